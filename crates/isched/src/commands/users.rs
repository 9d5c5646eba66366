//! `isched users ...`: user administration through the API of a running server, signed in
//! with `isched login`.

use super::api_client::ApiClient;
use crate::cli::{Format, UsersCommand};
use anyhow::bail;
use reqwest::Method;
use serde_json::{Value, json};
use std::process::ExitCode;

pub fn run(cmd: UsersCommand) -> ExitCode {
    super::block_on(async move {
        let api = ApiClient::signed_in().await?;
        match cmd {
            UsersCommand::List { format } => {
                print_users(&all_users(&api).await?, format);
            }
            UsersCommand::Create {
                email,
                groups,
                format,
            } => {
                let groups = (!groups.is_empty()).then_some(groups);
                let created = api
                    .call(
                        Method::POST,
                        "/api/v1/users",
                        Some(json!({ "email": email, "groups": groups })),
                    )
                    .await?;
                match format {
                    Format::Json => println!("{created}"),
                    Format::Text => {
                        println!(
                            "Created {} ({}).",
                            created["email"].as_str().unwrap_or_default(),
                            created["id"].as_str().unwrap_or_default()
                        );
                        print_temporary_password(&created);
                    }
                }
            }
            UsersCommand::Disable { user } => {
                let id = resolve(&api, &user).await?;
                api.call(
                    Method::PATCH,
                    &format!("/api/v1/users/{id}"),
                    Some(json!({ "status": "disabled" })),
                )
                .await?;
                println!("Disabled {user}; their sessions have ended.");
            }
            UsersCommand::Enable { user } => {
                let id = resolve(&api, &user).await?;
                api.call(
                    Method::PATCH,
                    &format!("/api/v1/users/{id}"),
                    Some(json!({ "status": "active" })),
                )
                .await?;
                println!("Enabled {user}.");
            }
            UsersCommand::Delete { user } => {
                let id = resolve(&api, &user).await?;
                api.call(Method::DELETE, &format!("/api/v1/users/{id}"), None)
                    .await?;
                println!("Deleted {user}.");
            }
            UsersCommand::ResetPassword { user } => {
                let id = resolve(&api, &user).await?;
                let reset = api
                    .call(
                        Method::POST,
                        &format!("/api/v1/users/{id}/reset-password"),
                        Some(json!({})),
                    )
                    .await?;
                println!("Reset the password of {user}; their sessions have ended.");
                print_temporary_password(&reset);
            }
            UsersCommand::Groups { user, set } => {
                let id = resolve(&api, &user).await?;
                let path = format!("/api/v1/users/{id}");
                let shown = if set.is_empty() {
                    api.call(Method::GET, &path, None).await?
                } else {
                    api.call(Method::PATCH, &path, Some(json!({ "groups": set })))
                        .await?
                };
                println!("{}", groups_of(&shown));
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn groups_of(user: &Value) -> String {
    user["groups"]
        .as_array()
        .map(|g| {
            g.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

fn print_temporary_password(answer: &Value) {
    match answer["temporary_password"].as_str() {
        // Standard error: shown to the admin once, kept out of piped output and logs.
        Some(p) => eprintln!(
            "Temporary password (shown once; valid 7 days, must be changed at first sign-in): {p}"
        ),
        None => println!("The temporary password was emailed to the user."),
    }
}

/// Every user, page after page.
async fn all_users(api: &ApiClient) -> anyhow::Result<Vec<Value>> {
    let mut users = Vec::new();
    let mut path = "/api/v1/users?limit=1000".to_owned();
    loop {
        let page = api.call(Method::GET, &path, None).await?;
        users.extend(page["items"].as_array().into_iter().flatten().cloned());
        match page["next_cursor"].as_str() {
            // Cursors are base64url: safe in a query string as they are.
            Some(c) => path = format!("/api/v1/users?limit=1000&cursor={c}"),
            None => return Ok(users),
        }
    }
}

/// A user named by email or id.
async fn resolve(api: &ApiClient, user: &str) -> anyhow::Result<String> {
    if !user.contains('@') {
        return Ok(user.to_owned());
    }
    let list = all_users(api).await?;
    let wanted = user.trim().to_lowercase();
    match list
        .iter()
        .find(|u| u["email"].as_str() == Some(wanted.as_str()))
    {
        Some(u) => Ok(u["id"].as_str().unwrap_or_default().to_owned()),
        None => bail!("no user with email {user}"),
    }
}

fn print_users(users: &[Value], format: Format) {
    match format {
        Format::Json => {
            for u in users {
                println!("{u}");
            }
        }
        Format::Text => {
            println!(
                "{:<36}  {:<32}  {:<20}  {:<5}  GROUPS",
                "ID", "EMAIL", "STATUS", "MFA"
            );
            for u in users {
                let mfa = if u["mfa_enabled"].as_bool() == Some(true) {
                    "on"
                } else {
                    "off"
                };
                println!(
                    "{:<36}  {:<32}  {:<20}  {mfa:<5}  {}",
                    u["id"].as_str().unwrap_or_default(),
                    u["email"].as_str().unwrap_or_default(),
                    u["status"].as_str().unwrap_or_default(),
                    groups_of(u)
                );
            }
        }
    }
}

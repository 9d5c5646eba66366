//! `isched instances ...` and `isched jobs show`: self-service instances through the API of
//! a running server, signed in with `isched login`.

use super::api_client::ApiClient;
use crate::cli::{Format, InstancesCommand, JobsCommand};
use indicatif::{ProgressBar, ProgressStyle};
use reqwest::Method;
use serde_json::{Value, json};
use std::process::ExitCode;
use std::time::Duration;

pub fn run(cmd: InstancesCommand) -> ExitCode {
    super::block_on(async move {
        let api = ApiClient::signed_in().await?;
        match cmd {
            InstancesCommand::Create {
                template,
                name,
                instance_type,
                idempotency_key,
                no_wait,
                format,
            } => {
                let body =
                    json!({ "template": template, "name": name, "instance_type": instance_type });
                let created = api
                    .call_with_header(
                        Method::POST,
                        "/api/v1/instances",
                        Some(body),
                        idempotency_key.as_deref().map(|k| ("Idempotency-Key", k)),
                    )
                    .await?;
                let job_id = created["job"]["id"].as_str().unwrap_or_default().to_owned();
                if no_wait {
                    print_value(&created, format, |v| {
                        format!(
                            "Requested {} ({}); follow it with `isched jobs show {} --wait`.",
                            v["instance"]["name"].as_str().unwrap_or_default(),
                            v["instance"]["id"].as_str().unwrap_or_default(),
                            v["job"]["id"].as_str().unwrap_or_default()
                        )
                    });
                    return Ok(ExitCode::SUCCESS);
                }
                let job = follow(&api, &job_id, format == Format::Text).await?;
                return Ok(report_job(&job, format));
            }
            InstancesCommand::List { all, owner, format } => {
                let mut items = Vec::new();
                let mut cursor: Option<String> = None;
                loop {
                    let mut path = format!("/api/v1/instances?limit=1000&all={all}");
                    if let Some(o) = &owner {
                        path.push_str(&format!("&owner={o}"));
                    }
                    if let Some(c) = &cursor {
                        path.push_str(&format!("&cursor={c}"));
                    }
                    let page = api.call(Method::GET, &path, None).await?;
                    items.extend(page["items"].as_array().cloned().unwrap_or_default());
                    cursor = page["next_cursor"].as_str().map(str::to_owned);
                    if cursor.is_none() {
                        break;
                    }
                }
                print_instances(&items, format);
            }
            InstancesCommand::Show { id, format } => {
                let i = api
                    .call(Method::GET, &format!("/api/v1/instances/{id}"), None)
                    .await?;
                print_value(&i, format, |v| {
                    serde_yaml_ng::to_string(v).unwrap_or_default()
                });
            }
            InstancesCommand::Start { id } => act(&api, &id, "start", None, "Starting").await?,
            InstancesCommand::Stop { id } => act(&api, &id, "stop", None, "Stopping").await?,
            InstancesCommand::ForceStop { id } => {
                act(&api, &id, "force-stop", None, "Stopping").await?
            }
            InstancesCommand::Terminate { id } => {
                act(&api, &id, "terminate", None, "Terminated").await?
            }
            InstancesCommand::Extend { id, hours } => {
                let i = api
                    .call(
                        Method::POST,
                        &format!("/api/v1/instances/{id}/extend"),
                        Some(json!({ "hours": hours })),
                    )
                    .await?;
                println!(
                    "{} now expires at {}.",
                    i["name"].as_str().unwrap_or_default(),
                    i["expires_at"].as_str().unwrap_or_default()
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn run_jobs(cmd: JobsCommand) -> ExitCode {
    super::block_on(async move {
        let api = ApiClient::signed_in().await?;
        let JobsCommand::Show { id, wait, format } = cmd;
        let job = if wait {
            follow(&api, &id, format == Format::Text).await?
        } else {
            api.call(Method::GET, &format!("/api/v1/jobs/{id}"), None)
                .await?
        };
        Ok(report_job(&job, format))
    })
}

async fn act(
    api: &ApiClient,
    id: &str,
    action: &str,
    body: Option<Value>,
    said: &str,
) -> anyhow::Result<()> {
    let i = api
        .call(
            Method::POST,
            &format!("/api/v1/instances/{id}/{action}"),
            Some(body.unwrap_or_else(|| json!({}))),
        )
        .await?;
    println!(
        "{said} {} ({}): {}.",
        i["name"].as_str().unwrap_or_default(),
        i["id"].as_str().unwrap_or_default(),
        i["state"].as_str().unwrap_or_default()
    );
    Ok(())
}

/// Polls the job until it finishes, with a progress bar of its steps on a terminal.
/// Returns the first finished read (the one that carries the login).
async fn follow(api: &ApiClient, id: &str, progress: bool) -> anyhow::Result<Value> {
    let bar = if progress {
        ProgressBar::new(0)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:20}] {pos}/{len} {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    loop {
        let job = api
            .call(Method::GET, &format!("/api/v1/jobs/{id}"), None)
            .await?;
        let steps = job["steps"].as_array().cloned().unwrap_or_default();
        let done = steps.iter().filter(|s| s["state"] == "done").count();
        bar.set_length(steps.len() as u64);
        bar.set_position(done as u64);
        let current = steps
            .iter()
            .find(|s| s["state"] != "done")
            .and_then(|s| s["name"].as_str())
            .unwrap_or("finishing");
        bar.set_message(current.replace('_', " "));
        if matches!(job["state"].as_str(), Some("succeeded" | "failed")) {
            bar.finish_and_clear();
            return Ok(job);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Prints a finished (or current) job; exit code 1 when it failed.
fn report_job(job: &Value, format: Format) -> ExitCode {
    let failed = job["state"] == "failed";
    match format {
        Format::Json => println!("{job}"),
        Format::Text => {
            println!(
                "Job {}: {}",
                job["id"].as_str().unwrap_or_default(),
                job["state"].as_str().unwrap_or_default()
            );
            for s in job["steps"].as_array().into_iter().flatten() {
                println!(
                    "  {:<14} {:<8} {}",
                    s["name"].as_str().unwrap_or_default(),
                    s["state"].as_str().unwrap_or_default(),
                    s["at"].as_str().unwrap_or_default()
                );
            }
            if let Some(message) = job["error"]["message"].as_str() {
                println!("Error: {message}");
            }
            let result = &job["result"];
            if let Some(instance) = result["instance"].as_str() {
                println!(
                    "Instance: {instance} ({})",
                    result["cloud_id"].as_str().unwrap_or("-")
                );
            }
            let login = &result["login"];
            if let Some(key) = login["private_key"].as_str() {
                println!(
                    "Login: {}@{} with this private key. It is shown only this once: save it now.\n{key}",
                    login["username"].as_str().unwrap_or_default(),
                    login["host"].as_str().unwrap_or_default()
                );
            } else if let Some(password) = login["password"].as_str() {
                println!(
                    "Login: {}@{}, password {password}\nIt is shown only this once: save it now.",
                    login["username"].as_str().unwrap_or_default(),
                    login["host"].as_str().unwrap_or_default()
                );
            } else if let Some(fingerprint) = login["fingerprint"].as_str() {
                println!(
                    "Login: shown at {}; fingerprint {fingerprint}",
                    login["shown_at"].as_str().unwrap_or("-")
                );
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn print_value(v: &Value, format: Format, text: impl Fn(&Value) -> String) {
    match format {
        Format::Json => println!("{v}"),
        Format::Text => println!("{}", text(v).trim_end()),
    }
}

fn print_instances(items: &[Value], format: Format) {
    if format == Format::Json {
        for i in items {
            println!("{i}");
        }
        return;
    }
    println!(
        "{:<20} {:<20} {:<16} {:<12} {:<10} {:<14} EXPIRES",
        "ID", "NAME", "TEMPLATE", "STATE", "TYPE", "SCHEDULE"
    );
    for i in items {
        let s = |k: &str| i[k].as_str().unwrap_or("-").to_owned();
        println!(
            "{:<20} {:<20} {:<16} {:<12} {:<10} {:<14} {}",
            s("id"),
            s("name"),
            s("template"),
            s("state"),
            s("instance_type"),
            s("schedule"),
            s("expires_at")
        );
    }
}

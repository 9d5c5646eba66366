//! `isched login` and `isched logout`: sign in to a server (answering the new-password and
//! MFA challenges) and keep the credentials for later commands.

use super::api_client::{error_of, http};
use super::credentials::{self, CredentialKind, Credentials};
use crate::cli::LoginArgs;
use crate::config::Config;
use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use std::io::BufRead;
use std::path::Path;
use std::process::ExitCode;

/// Answers come from standard input (`--password-stdin`, one per line) or from prompts.
struct Answers {
    from_stdin: bool,
}

impl Answers {
    fn line(&self, prompt: &str, hidden: bool) -> anyhow::Result<String> {
        let text = if self.from_stdin {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            if line.is_empty() {
                bail!("standard input ended before the answer to {prompt:?}");
            }
            line
        } else if hidden {
            rpassword::prompt_password(prompt)?
        } else {
            eprint!("{prompt}");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line
        };
        Ok(text.trim_end_matches(['\n', '\r']).to_owned())
    }
}

fn server_url(config_file: Option<&Path>, url: Option<String>) -> anyhow::Result<String> {
    if let Some(u) = url {
        return Ok(u.trim_end_matches('/').to_owned());
    }
    let config =
        Config::load(config_file).map_err(|e| anyhow::anyhow!("invalid configuration:\n{e}"))?;
    Ok(config
        .public_url
        .unwrap_or_else(|| format!("http://{}", config.listen)))
}

pub fn run_login(config_file: Option<&Path>, args: LoginArgs) -> ExitCode {
    super::block_on(login(config_file, args))
}

pub fn run_logout() -> ExitCode {
    super::block_on(async {
        if let Some(creds) = super::api_client::stored()
            && creds.kind == CredentialKind::RefreshToken
        {
            // Best effort: the server forgets the session; the file goes either way.
            let _ = http()
                .post(format!("{}/api/v1/auth/logout", creds.url))
                .json(&json!({ "refresh_token": creds.token() }))
                .send()
                .await;
        }
        if credentials::remove()? {
            println!("Signed out.");
        } else {
            println!("Not signed in.");
        }
        Ok(ExitCode::SUCCESS)
    })
}

async fn login(config_file: Option<&Path>, args: LoginArgs) -> anyhow::Result<ExitCode> {
    let url = server_url(config_file, args.url)?;
    let http = http();
    if let Some(token) = args.token {
        let res = http
            .get(format!("{url}/api/v1/users/me"))
            .bearer_auth(&token)
            .send()
            .await
            .with_context(|| format!("cannot reach {url}"))?;
        if !res.status().is_success() {
            return Err(error_of(res).await);
        }
        let me: Value = res.json().await?;
        let email = me["email"].as_str().map(str::to_owned);
        let path = credentials::save(&Credentials {
            url: url.clone(),
            email: email.clone(),
            token: SecretString::from(token),
            kind: CredentialKind::PersonalAccessToken,
        })?;
        println!(
            "Signed in to {url} as {} with a personal access token (saved in {}).",
            email.unwrap_or_default(),
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let answers = Answers {
        from_stdin: args.password_stdin,
    };
    let email = match args.email {
        Some(e) => e,
        None if args.password_stdin => bail!("--email is required with --password-stdin"),
        None => answers.line("Email: ", false)?,
    };
    let password = SecretString::from(answers.line("Password: ", true)?);
    let send = |path: &'static str, body: Value| {
        let http = http.clone();
        let url = url.clone();
        async move {
            http.post(format!("{url}{path}"))
                .json(&body)
                .send()
                .await
                .with_context(|| format!("cannot reach {url}"))
        }
    };
    let mut res = send(
        "/api/v1/auth/login",
        json!({ "email": email, "password": password.expose_secret() }),
    )
    .await?;
    loop {
        if !res.status().is_success() {
            return Err(error_of(res).await);
        }
        let body: Value = res.json().await?;
        let Some(challenge) = body["challenge"].as_str() else {
            let refresh = body["refresh_token"]
                .as_str()
                .context("no refresh token in the answer")?;
            let path = credentials::save(&Credentials {
                url: url.clone(),
                email: Some(email.clone()),
                token: SecretString::from(refresh.to_owned()),
                kind: CredentialKind::RefreshToken,
            })?;
            println!(
                "Signed in to {url} as {email} (saved in {}).",
                path.display()
            );
            return Ok(ExitCode::SUCCESS);
        };
        let session = body["session"].clone();
        let answer = match challenge {
            "NEW_PASSWORD_REQUIRED" => {
                eprintln!("Choose your own password.");
                let new = answers.line("New password: ", true)?;
                if !answers.from_stdin && answers.line("Repeat it: ", true)? != new {
                    bail!("the passwords differ");
                }
                json!({ "challenge": challenge, "session": session, "new_password": new })
            }
            "SOFTWARE_TOKEN_MFA" => {
                let code = answers.line("MFA code (or a recovery code): ", false)?;
                let code = code.trim();
                if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
                    json!({ "challenge": challenge, "session": session, "code": code })
                } else {
                    json!({ "challenge": challenge, "session": session, "recovery_code": code })
                }
            }
            other => bail!("the server asks for {other}, which this isched version cannot answer"),
        };
        res = send("/api/v1/auth/challenge", answer).await?;
    }
}

//! A client of isched's HTTP API for CLI commands, signed in with the stored credentials.
//! Each run trades the stored refresh token for an access token (saving the rotated
//! refresh token), or uses the stored personal access token directly.

use super::credentials::{self, CredentialKind, Credentials};
use anyhow::{Context, bail};
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};

pub struct ApiClient {
    http: reqwest::Client,
    url: String,
    bearer: String,
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("HTTP client with rustls")
}

/// The message of an error envelope, or the status.
pub async fn error_of(res: reqwest::Response) -> anyhow::Error {
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    let code = body["error"]["code"].as_str().unwrap_or_default();
    let message = body["error"]["message"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| status.to_string());
    match code {
        "reauthentication_required" => anyhow::anyhow!("{message}\nRun `isched login` again."),
        _ => anyhow::anyhow!("{message} ({})", status.as_u16()),
    }
}

impl ApiClient {
    pub async fn signed_in() -> anyhow::Result<ApiClient> {
        let mut creds = credentials::load()?;
        let http = http();
        let bearer = match creds.kind {
            CredentialKind::PersonalAccessToken => creds.token().to_owned(),
            CredentialKind::RefreshToken => {
                let res = http
                    .post(format!("{}/api/v1/auth/refresh", creds.url))
                    .json(&json!({ "refresh_token": creds.token() }))
                    .send()
                    .await
                    .with_context(|| format!("cannot reach {}", creds.url))?;
                if res.status() == StatusCode::UNAUTHORIZED {
                    bail!("the session has ended: run `isched login` again");
                }
                if !res.status().is_success() {
                    return Err(error_of(res).await);
                }
                let tokens: Value = res.json().await?;
                let refresh = tokens["refresh_token"]
                    .as_str()
                    .context("no refresh token in the answer")?;
                creds.token = SecretString::from(refresh.to_owned());
                credentials::save(&creds)?;
                tokens["access_token"]
                    .as_str()
                    .context("no access token in the answer")?
                    .to_owned()
            }
        };
        Ok(ApiClient {
            http,
            url: creds.url.clone(),
            bearer,
        })
    }

    /// Sends a request; a non-2xx answer becomes an error with the server's message.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        self.call_with_header(method, path, body, None).await
    }

    /// As [`ApiClient::call`], with one more request header (`Idempotency-Key`).
    pub async fn call_with_header(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        header: Option<(&str, &str)>,
    ) -> anyhow::Result<Value> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(&self.bearer);
        if let Some((name, value)) = header {
            req = req.header(name, value);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req
            .send()
            .await
            .with_context(|| format!("cannot reach {}", self.url))?;
        if !res.status().is_success() {
            return Err(error_of(res).await);
        }
        if res.status() == StatusCode::NO_CONTENT {
            return Ok(Value::Null);
        }
        Ok(res.json().await?)
    }
}

/// Stored credentials, for `isched login` to replace.
pub fn stored() -> Option<Credentials> {
    credentials::load().ok()
}

//! `/ui/jobs/{id}`: a create job's progress, reloading itself each second while it runs
//! (no script needed), then the login details, shown this once with a copy button and a
//! warning that they will not be shown again.

use super::{Nav, Page, failure, sentence, shell, when};
use crate::session::Session;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use isched_server::AppState;
use isched_store::jobs::{Job, JobState};
use maud::{Markup, html};
use secrecy::{ExposeSecret, SecretString};

/// The login as its one read carries it.
struct Shown {
    username: Option<String>,
    host: Option<String>,
    secret: SecretString,
    is_key: bool,
}

fn steps(job: &Job) -> Markup {
    html! {
        ol.steps aria-label="Steps" {
            @for step in &job.steps {
                li {
                    span { (step.name.replace('_', " ")) }
                    span class={ "state " (step.state) } {
                        (step.state)
                        @if let Some(at) = step.at { span.muted { " " (at.strftime("%H:%M:%S")) } }
                    }
                }
            }
        }
    }
}

fn login(shown: &Shown) -> Markup {
    let what = if shown.is_key {
        "private key"
    } else {
        "password"
    };
    html! {
        h2 { "Your login" }
        p.notice.warn role="alert" {
            strong { "Copy it now: " }
            "this " (what) " is shown this once and never again. isched keeps only its fingerprint."
        }
        dl {
            @if let Some(u) = &shown.username { dt { "User" } dd { code { (u) } } }
            @if let Some(h) = &shown.host { dt { "Host" } dd { code { (h) } } }
        }
        pre.secret id="login-secret" { (shown.secret.expose_secret()) }
        p { button type="button" data-copy="login-secret" { "Copy " (what) } }
    }
}

/// `GET /ui/jobs/{id}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Response {
    let engine = state.engine();
    let (job, secret) = match engine.job(session.user(), &id).await {
        Ok(x) => x,
        Err(e) => return failure(e),
    };
    let instance = match &job.instance {
        Some(i) => engine.store().instance(i).await.ok().flatten(),
        None => None,
    };
    let shown = secret.and_then(|s| {
        let v: serde_json::Value = serde_json::from_str(&s).ok()?;
        let (secret, is_key) = match (v["private_key"].as_str(), v["password"].as_str()) {
            (Some(k), _) => (k, true),
            (None, Some(p)) => (p, false),
            _ => return None,
        };
        Some(Shown {
            username: instance.as_ref().and_then(|i| i.login_username.clone()),
            host: instance
                .as_ref()
                .and_then(|i| i.login_host.clone())
                .filter(|h| !h.is_empty()),
            secret: SecretString::from(secret.to_owned()),
            is_key,
        })
    });
    let running = !job.state.finished();
    let name = instance.as_ref().map_or("instance", |i| i.name.as_str());
    let body = html! {
        main id="main" {
            h1 { "Creating " (name) }
            div.card {
                p role="status" aria-live="polite" {
                    "Job " code { (job.id) } ": "
                    span class={ "state " (job.state.as_str()) } { (job.state.as_str()) }
                    @if running { span.muted { " — this page updates by itself." } }
                }
                (steps(&job))
                @if let Some(e) = &job.error {
                    p.notice.error role="alert" { strong { (e.code) ": " } (sentence(&e.message)) }
                }
                @if job.state == JobState::Succeeded {
                    @if let Some(shown) = &shown {
                        (login(shown))
                    } @else if let Some(i) = &instance {
                        @if let Some(fp) = &i.login_fingerprint {
                            p { "The login was shown "
                                @if let Some(at) = i.login_shown_at { (when(at)) " UTC" } @else { "before" }
                                "; only its fingerprint is kept: " code { (fp) } }
                        }
                    }
                }
                p { a href="/ui/instances" { "Back to my instances" } }
            }
        }
    };
    let page = Page {
        title: "Instance progress",
        nav: Nav::Instances,
        // Reloads until the job is done (no script needed).
        refresh: running.then_some(1),
    };
    shell(&state, &page, Some(&session), body).into_response()
}

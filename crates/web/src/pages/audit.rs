//! `/ui/admin/audit`: the audit log, newest first, filtered by who acted, the start of the
//! action's name, or the target, as the API's `GET /api/v1/audit` filters it; and
//! `/ui/admin/health`: each component's state, as `GET /health/components` reports it.

use super::admin::AdminSession;
use super::{Col, Nav, Page, failure, head, shell, when};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use isched_server::{AppState, AuditQuery};
use maud::html;
use serde::Deserialize;
use std::collections::HashMap;

/// Entries per page.
const PAGE: u32 = 100;

/// The page of the log: entries older than this id (the "Older entries" link).
#[derive(Deserialize)]
pub(crate) struct Older {
    before: Option<String>,
}

/// `GET /ui/admin/audit`, with the API's filters.
pub(crate) async fn show(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Query(query): Query<AuditQuery>,
    Query(older): Query<Older>,
) -> Response {
    let before = match older.before.as_deref().map(str::parse::<i64>).transpose() {
        Ok(b) => b,
        Err(_) => {
            return failure(isched_server::ApiError::invalid(
                "before",
                "is not an entry id this page gave out",
            ));
        }
    };
    // The filters as typed, to fill the form again (empty is "any").
    let typed = |v: &Option<String>| v.clone().unwrap_or_default();
    let (actor, action, target) = (
        typed(&query.actor),
        typed(&query.action),
        typed(&query.target),
    );
    let filter = match query.filter(&state).await {
        Ok(filter) => filter,
        Err(e) => return failure(e),
    };
    let loaded = async {
        let mut entries = state.auth().audit_log(PAGE + 1, before, &filter).await?;
        let users = state.store().list_users().await?;
        let more = entries.len() > PAGE as usize;
        entries.truncate(PAGE as usize);
        Ok::<_, isched_server::ApiError>((entries, users, more))
    };
    let (entries, users, more) = match loaded.await {
        Ok(x) => x,
        Err(e) => return failure(e),
    };
    let emails: HashMap<&str, &str> = users
        .iter()
        .map(|u| (u.id.as_str(), u.email.as_str()))
        .collect();
    let who = |id: &str| emails.get(id).copied().unwrap_or(id).to_owned();
    let older = entries.last().filter(|_| more).map(|e| {
        let q = serde_urlencoded::to_string([
            ("actor", actor.as_str()),
            ("action", action.as_str()),
            ("target", target.as_str()),
            ("before", &e.id.to_string()),
        ])
        .unwrap_or_default();
        format!("/ui/admin/audit?{q}")
    });
    let body = html! {
        main id="main" {
            h1 { "Audit log" }
            form.card.grid method="get" action="/ui/admin/audit" {
                div {
                    label for="actor" { "Who" }
                    input #actor type="text" name="actor" value=(actor) placeholder="an email, or system";
                }
                div {
                    label for="action" { "Action starts with" }
                    input #action type="text" name="action" value=(action) placeholder="e.g. user. or instance.";
                }
                div {
                    label for="target" { "Target" }
                    input #target type="text" name="target" value=(target) placeholder="an id or a name";
                }
                div.submit { button type="submit" { "Filter" } }
            }
            @if entries.is_empty() {
                p.empty.card { "No entries match." }
            } @else {
                div.table-wrap tabindex="0" { table {
                    (head(&[
                        Col::Always("When (UTC)"),
                        Col::Always("Who"),
                        Col::Always("Action"),
                        Col::Always("Target"),
                        Col::Optional("Detail"),
                    ]))
                    tbody {
                        @for e in &entries {
                            tr {
                                td.when { (when(e.at)) }
                                td { (who(&e.actor)) }
                                td { code { (e.action) } }
                                td { (e.target.as_deref().map(&who).unwrap_or_default()) }
                                td.optional.detail { code { (e.detail) } }
                            }
                        }
                    }
                } }
                @if let Some(href) = older { p { a href=(href) { "Older entries" } } }
            }
        }
    };
    let page = Page {
        title: "Audit log",
        nav: Nav::Audit,
        refresh: None,
    };
    shell(&state, &page, Some(&session), body).into_response()
}

/// `GET /ui/admin/health`.
pub(crate) async fn health(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
) -> Response {
    let parts = isched_server::check_components(&state).await;
    let body = html! {
        main id="main" {
            h1 { "Health" }
            p.muted { "Each part isched depends on, as " a href="/health/components" { "/health/components" } " reports it for monitoring." }
            div.table-wrap tabindex="0" { table {
                (head(&[
                    Col::Always("Component"),
                    Col::Always("State"),
                    Col::Always("Detail"),
                ]))
                tbody {
                    @for c in &parts {
                        tr {
                            th scope="row" { (c.name.replace('_', " ")) @if c.required { " " span.muted { "(required)" } } }
                            td { span class={ "state " (state_class(c.status)) } { (c.status.replace('_', " ")) } }
                            td { (c.detail) }
                        }
                    }
                }
            } }
        }
    };
    let page = Page {
        title: "Health",
        nav: Nav::Health,
        refresh: None,
    };
    shell(&state, &page, Some(&session), body).into_response()
}

/// The badge colour of a component's status.
fn state_class(status: &str) -> &'static str {
    match status {
        "ok" => "running",
        "down" => "failed",
        _ => "stopped",
    }
}

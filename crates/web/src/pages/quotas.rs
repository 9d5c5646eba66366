//! `/ui/admin/quotas`: limits per user and per group on instances, vCPUs and monthly
//! spending. A user's own quota wins over their groups'; of several groups, the most
//! generous limit applies. Setting every limit empty removes a quota.

use super::admin::AdminSession;
use super::form::{Draft, Field, Input, field};
use super::{Col, Nav, Page, failure, head, money, shell, when};
use crate::csrf::{CsrfForm, Nothing};
use crate::session::Session;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use isched_engine::definitions::DefinitionError;
use isched_engine::facade::Actor;
use isched_engine::plan::EngineError;
use isched_server::AppState;
use isched_store::Email;
use isched_store::quotas::{Limits, QuotaSubject};
use maud::html;
use serde::Deserialize;
use std::collections::HashMap;

const FIELDS: &[Field] = &[
    field(
        "kind",
        "For",
        Input::Choice(&[("user", "a user"), ("group", "a group")]),
        "",
    ),
    field("who", "User's email or group name", Input::Text, ""),
    field(
        "max_instances",
        "Instances at most",
        Input::Number { decimal: false },
        "Empty: no limit.",
    ),
    field(
        "max_vcpus",
        "vCPUs at most",
        Input::Number { decimal: false },
        "Counted over running and stopped instances.",
    ),
    field(
        "monthly_budget",
        "Monthly budget",
        Input::Number { decimal: true },
        "Per calendar month (UTC), in the prices' currency.",
    ),
];

#[derive(Deserialize)]
pub(crate) struct Prefill {
    kind: Option<String>,
    who: Option<String>,
}

/// `GET /ui/admin/quotas` (`?kind=&who=` fills the form with that quota).
pub(crate) async fn list(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Query(prefill): Query<Prefill>,
) -> Response {
    let mut draft = Draft::default();
    draft
        .values
        .insert("kind".into(), prefill.kind.unwrap_or_else(|| "user".into()));
    if let Some(who) = prefill.who {
        draft.values.insert("who".into(), who);
    }
    page(&state, &session, draft, StatusCode::OK).await
}

async fn page(
    state: &AppState,
    session: &Session,
    mut draft: Draft,
    status: StatusCode,
) -> Response {
    let (quotas, users) = match (
        state.engine().quotas(session.user()).await,
        state.store().list_users().await,
    ) {
        (Ok(q), Ok(u)) => (q, u),
        (Err(e), _) => return failure(e),
        (_, Err(e)) => return failure(e),
    };
    let email_of: HashMap<&str, &str> = users
        .iter()
        .map(|u| (u.id.as_str(), u.email.as_str()))
        .collect();
    let subject = |kind: QuotaSubject, id: &str| match kind {
        QuotaSubject::User => email_of.get(id).copied().unwrap_or(id).to_owned(),
        QuotaSubject::Group => id.to_owned(),
    };
    // Editing one: its limits fill the form.
    let editing = quotas.iter().find(|q| {
        draft.values.get("kind").map(String::as_str) == Some(q.kind.as_str())
            && draft.values.get("who").map(String::as_str)
                == Some(subject(q.kind, &q.subject).as_str())
    });
    if let (Some(q), false) = (editing, draft.has_problems()) {
        for (key, value) in [
            (
                "max_instances",
                q.limits.max_instances.map(|n| n.to_string()),
            ),
            ("max_vcpus", q.limits.max_vcpus.map(|n| n.to_string())),
            (
                "monthly_budget",
                q.limits.monthly_budget.map(|n| n.to_string()),
            ),
        ] {
            draft
                .values
                .entry(key.into())
                .or_insert(value.unwrap_or_default());
        }
    }
    let limit = |n: Option<i64>| n.map_or_else(|| "—".to_owned(), |n| n.to_string());
    let csrf = session.csrf.as_str();
    let body = html! {
        main id="main" {
            h1 { "Quotas" }
            p.muted { "A user's own quota wins over their groups'; of several groups, the most generous limit applies. Empty limits are no limit." }
            @if quotas.is_empty() {
                p.empty.card { "No quotas: everyone may create instances without limit." }
            } @else {
                div.table-wrap tabindex="0" { table {
                    (head(&[
                        Col::Always("For"),
                        Col::Always("Instances"),
                        Col::Always("vCPUs"),
                        Col::Always("Monthly budget"),
                        Col::Optional("Changed"),
                        Col::Always(""),
                    ]))
                    tbody {
                        @for q in &quotas {
                            @let who = subject(q.kind, &q.subject);
                            tr {
                                th scope="row" { (q.kind.as_str()) " " strong { (who) } }
                                td { (limit(q.limits.max_instances)) }
                                td { (limit(q.limits.max_vcpus)) }
                                td { (q.limits.monthly_budget.map_or_else(|| "—".to_owned(), money)) }
                                td.optional { (when(q.updated_at)) }
                                td { div.actions {
                                    a.button.small.secondary href={ "/ui/admin/quotas?kind=" (q.kind.as_str()) "&who=" (who) } aria-label={ "Change the quota of " (who) } { "Change" }
                                    form.inline method="post" action={ "/ui/admin/quotas/" (q.kind.as_str()) "/" (q.subject) "/remove" }
                                        data-confirm={ "Remove the quota of " (who) "?" } {
                                        input type="hidden" name="csrf" value=(csrf);
                                        button.small.secondary.danger type="submit" aria-label={ "Remove the quota of " (who) } { "Remove" }
                                    }
                                } }
                            }
                        }
                    }
                } }
            }
            h2 { "Set a quota" }
            (draft.summary(FIELDS))
            form.card.editor method="post" action="/ui/admin/quotas" novalidate {
                input type="hidden" name="csrf" value=(csrf);
                @for f in FIELDS { (draft.input(f, false)) }
                div.actions { button type="submit" { "Save the quota" } }
            }
        }
    };
    let page = Page {
        title: "Quotas",
        nav: Nav::Quotas,
        refresh: None,
    };
    (status, shell(state, &page, Some(session), body)).into_response()
}

/// `POST /ui/admin/quotas`.
pub(crate) async fn set(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    CsrfForm(values): CsrfForm<HashMap<String, String>>,
) -> Response {
    let mut draft = Draft::typed(values);
    let body = draft.body(FIELDS, false);
    let kind = QuotaSubject::parse(body["kind"].as_str().unwrap_or_default());
    let who = body["who"].as_str().unwrap_or_default().to_owned();
    let subject = match kind {
        None => None,
        Some(QuotaSubject::Group) if who.is_empty() => {
            draft
                .problems
                .entry("who".into())
                .or_default()
                .push("Name the group.".into());
            None
        }
        Some(QuotaSubject::Group) => Some(who.clone()),
        Some(QuotaSubject::User) => {
            let user = match Email::parse(&who) {
                Ok(email) => state.store().user_by_email(&email).await.ok().flatten(),
                Err(_) => None,
            };
            if user.is_none() {
                draft
                    .problems
                    .entry("who".into())
                    .or_default()
                    .push(format!("No user has the email {who:?}."));
            }
            user.map(|u| u.id)
        }
    };
    let (Some(kind), Some(subject), false) = (kind, subject, draft.has_problems()) else {
        return page(&state, &session, draft, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let limits = Limits {
        max_instances: body["max_instances"].as_i64(),
        max_vcpus: body["max_vcpus"].as_i64(),
        monthly_budget: body["monthly_budget"].as_f64(),
    };
    match state
        .engine()
        .put_quota(&Actor::user(session.user()), kind, &subject, limits)
        .await
    {
        Ok(()) => Redirect::to("/ui/admin/quotas").into_response(),
        Err(EngineError::Definitions(DefinitionError::NotFound(what, name))) => {
            draft.general.push(format!("No {what} {name:?}."));
            page(&state, &session, draft, StatusCode::NOT_FOUND).await
        }
        Err(e) => match draft.refused(FIELDS, "", e) {
            Some(page) => page,
            None => page(&state, &session, draft, StatusCode::UNPROCESSABLE_ENTITY).await,
        },
    }
}

/// `POST /ui/admin/quotas/{kind}/{subject}/remove`.
pub(crate) async fn remove(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path((kind, subject)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<Nothing>,
) -> Response {
    let Some(kind) = QuotaSubject::parse(&kind) else {
        return failure(isched_server::ApiError::not_found(format!(
            "no quotas of kind {kind:?}"
        )));
    };
    match state
        .engine()
        .put_quota(
            &Actor::user(session.user()),
            kind,
            &subject,
            Limits::default(),
        )
        .await
    {
        Ok(()) => Redirect::to("/ui/admin/quotas").into_response(),
        Err(e) => failure(e),
    }
}

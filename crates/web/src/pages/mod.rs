//! The page shell every page shares, and the helpers pages use to show times, money and
//! errors. Markup is maud's (checked at compile time, escaped by default).

pub(crate) mod account;
pub(crate) mod admin;
pub(crate) mod audit;
pub(crate) mod editor;
pub(crate) mod forgot;
pub(crate) mod form;
pub(crate) mod instances;
pub(crate) mod jobs;
pub(crate) mod plan;
pub(crate) mod quotas;
pub(crate) mod schedules;
pub mod settings;
pub(crate) mod sign_in;
pub(crate) mod templates;
pub(crate) mod usage;
pub(crate) mod users;
pub(crate) mod week;

use crate::session::Session;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use isched_cloud::Provider as _;
use isched_server::{ApiError, AppState};
use maud::{DOCTYPE, Markup, html};

/// What a page is: its title, and which item of the menu it is.
pub(crate) struct Page<'a> {
    pub title: &'a str,
    pub nav: Nav,
    /// Reload every this many seconds (a job in progress).
    pub refresh: Option<u32>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    None,
    Instances,
    Schedules,
    Usage,
    Admin,
    Users,
    Templates,
    Quotas,
    Settings,
    Audit,
    Health,
    Plan,
    Account,
}

/// The whole document around `body`.
pub(crate) fn shell(
    state: &AppState,
    page: &Page<'_>,
    session: Option<&Session>,
    body: Markup,
) -> Markup {
    let sandbox = state.provider().name() == "sandbox";
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (page.title) " · isched" }
                @if let Some(secs) = page.refresh {
                    meta http-equiv="refresh" content=(secs);
                }
                link rel="stylesheet" href=(crate::assets::CSS_PATH);
                script src=(crate::assets::JS_PATH) defer {}
            }
            body {
                a.skip href="#main" { "Skip to the content" }
                @if sandbox {
                    p.sandbox role="note" {
                        strong { "Sandbox: " }
                        "instances here are simulated; nothing runs in a real cloud and nothing is billed."
                    }
                }
                @if let Some(s) = session {
                    header.top {
                        a.brand href="/ui/instances" { "isched" }
                        nav aria-label="Main" {
                            a href="/ui/instances" aria-current=[(page.nav == Nav::Instances).then_some("page")] { "My instances" }
                            a href="/ui/schedules" aria-current=[(page.nav == Nav::Schedules).then_some("page")] { "Schedules" }
                            a href="/ui/usage" aria-current=[(page.nav == Nav::Usage).then_some("page")] { "Usage" }
                            a href="/docs" { "API" }
                        }
                        div.who {
                            a href="/ui/account" aria-current=[(page.nav == Nav::Account).then_some("page")] title="Your account" { (s.user().email.as_str()) }
                            form.inline method="post" action="/ui/logout" {
                                input type="hidden" name="csrf" value=(s.csrf);
                                button.small type="submit" { "Sign out" }
                            }
                        }
                    }
                    @if s.user().is_admin() {
                        nav.admin aria-label="Admin" {
                            span.label { "Admin" }
                            a href="/ui/admin/instances" aria-current=[(page.nav == Nav::Admin).then_some("page")] { "Fleet" }
                            a href="/ui/admin/users" aria-current=[(page.nav == Nav::Users).then_some("page")] { "Users" }
                            a href="/ui/admin/templates" aria-current=[(page.nav == Nav::Templates).then_some("page")] { "Templates" }
                            a href="/ui/admin/quotas" aria-current=[(page.nav == Nav::Quotas).then_some("page")] { "Quotas" }
                            a href="/ui/admin/plan" aria-current=[(page.nav == Nav::Plan).then_some("page")] { "Plan" }
                            a href="/ui/admin/audit" aria-current=[(page.nav == Nav::Audit).then_some("page")] { "Audit" }
                            a href="/ui/admin/health" aria-current=[(page.nav == Nav::Health).then_some("page")] { "Health" }
                            a href="/ui/admin/settings" aria-current=[(page.nav == Nav::Settings).then_some("page")] { "Settings" }
                        }
                    }
                }
                (body)
            }
        }
    }
}

/// A column of a table: its title, and whether narrow screens may hide it.
pub(crate) enum Col<'a> {
    Always(&'a str),
    Optional(&'a str),
}

/// A table's header row.
pub(crate) fn head(cols: &[Col<'_>]) -> Markup {
    html! {
        thead { tr {
            @for c in cols {
                @match c {
                    Col::Always(t) => th scope="col" { (t) },
                    Col::Optional(t) => th.optional scope="col" { (t) },
                }
            }
        } }
    }
}

/// Why a form was refused: its message, shown next to the input of the field it names, or
/// above the form when it names none.
pub(crate) struct Refusal {
    pub field: Option<String>,
    pub message: String,
}

impl Refusal {
    /// `e`'s status and refusal. A message that starts with one of `fields` ("name: must be
    /// 1 to 100 characters", as the sign-in service words them) goes next to that field.
    pub fn of(e: impl Into<ApiError>, fields: &[&str]) -> (StatusCode, Refusal) {
        let e: ApiError = e.into();
        let (field, message) = match e.field {
            Some(f) => (Some(f), e.message),
            None => match e.message.split_once(": ") {
                Some((f, rest)) if fields.contains(&f) => (Some(f.to_owned()), rest.to_owned()),
                _ => (None, e.message),
            },
        };
        (e.status, Refusal { field, message })
    }

    /// The sentence to show next to `field`'s input, when the refusal is about it.
    pub fn next_to(&self, field: &str) -> Option<String> {
        (self.field.as_deref() == Some(field)).then(|| sentence(&self.message))
    }

    /// The notice above the form, when the refusal names no field.
    pub fn notice(&self) -> Markup {
        html! {
            @if self.field.is_none() { p.notice.error role="alert" { (sentence(&self.message)) } }
        }
    }
}

/// A page for a request that cannot go on (a bad form, a stale CSRF token).
pub(crate) fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · isched" }
                link rel="stylesheet" href=(crate::assets::CSS_PATH);
            }
            body {
                main.narrow id="main" {
                    h1 { (title) }
                    p.notice.error role="alert" { (message) }
                    p { a href="/" { "Back to isched" } }
                }
            }
        }
    };
    (status, markup).into_response()
}

/// An error from the engine or the sign-in service as a page: its status and message
/// (server errors say only that something failed; the detail is in the log).
pub(crate) fn failure(e: impl Into<ApiError>) -> Response {
    let e: ApiError = e.into();
    let title = if e.status.is_server_error() {
        "Something went wrong"
    } else {
        "Not done"
    };
    error_page(e.status, title, &sentence(&e.message))
}

/// A message as a sentence: capitalised, with a full stop.
pub(crate) fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut s: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}

/// An instant in UTC, short (the column or sentence around it says "UTC").
pub(crate) fn when(t: jiff::Timestamp) -> String {
    t.strftime("%a %-d %b %H:%M").to_string()
}

/// Money with its currency; amounts under a dollar with the cents' fractions (hourly
/// prices are often a few cents).
pub(crate) fn money(amount: f64) -> String {
    if (0.0001..1.0).contains(&amount.abs()) {
        format!("${amount:.4}")
    } else {
        format!("${amount:.2}")
    }
}

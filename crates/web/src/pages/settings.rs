//! `/ui/admin/settings`: the configuration this server runs with, as the operator set it
//! (defaults, the TOML file, `ISCHED_*` variables), secrets shown only as set or not set.
//! Settings are changed in the configuration and take effect on restart; the page says
//! which variable sets each.

use super::admin::AdminSession;
use super::{Nav, Page, shell};
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use isched_server::AppState;
use maud::html;
use std::sync::Arc;

/// One group of settings on the page.
#[derive(Debug, Clone)]
pub struct SettingsSection {
    pub title: &'static str,
    /// (environment variable, value as shown). Secrets must arrive here already hidden.
    pub rows: Vec<(&'static str, String)>,
}

/// What the settings page shows, built by whoever holds the configuration.
#[derive(Debug, Clone, Default)]
pub struct Settings(pub Vec<SettingsSection>);

/// `GET /ui/admin/settings`.
pub(crate) async fn show(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Extension(settings): Extension<Arc<Settings>>,
) -> Response {
    let body = html! {
        main id="main" {
            h1 { "Settings" }
            p.muted {
                "What this server runs with. Change a setting in the configuration file or its environment variable, then restart; with several replicas, give every replica the same. See "
                a href="/docs" { "the API reference" } " and docs/configuration.md."
            }
            @if settings.0.is_empty() {
                p.empty.card { "This server was started without a settings summary." }
            }
            @for section in &settings.0 {
                section.card.settings aria-labelledby={ "s-" (section.title) } {
                    h2 id={ "s-" (section.title) } { (section.title) }
                    dl {
                        @for (key, value) in &section.rows {
                            div {
                                dt { code { (key) } }
                                dd { (value) }
                            }
                        }
                    }
                }
            }
        }
    };
    let page = Page {
        title: "Settings",
        nav: Nav::Settings,
        refresh: None,
    };
    shell(&state, &page, Some(&session), body).into_response()
}

//! `/api/v1/audit`: the audit log for admins, newest first.

use crate::body::ApiQuery;
use crate::error::ApiError;
use crate::extract::AdminUser;
use crate::state::AppState;
use crate::views::audit::AuditEntryView;
use crate::views::{Page, PageQuery, cursor};
use axum::Json;
use axum::extract::State;
use isched_store::Email;
use isched_store::audit::AuditFilter;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

/// What to keep of the audit log.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Who acted: a user's email or id, or `system`.
    pub actor: Option<String>,
    /// The start of the action's name: `user.` keeps `user.created`, `user.disabled`…
    pub action: Option<String>,
    /// What it was done to (an id or a name, as the entries show it).
    pub target: Option<String>,
}

impl AuditQuery {
    /// The store's filter; an actor given by email is looked up (an unknown email keeps
    /// nothing, rather than everything).
    pub async fn filter(&self, state: &AppState) -> Result<AuditFilter, ApiError> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let actor = match given(&self.actor) {
            Some(a) if a.contains('@') => {
                let email =
                    Email::parse(&a).map_err(|e| ApiError::invalid("actor", e.to_string()))?;
                Some(match state.store().user_by_email(&email).await? {
                    Some(u) => u.id,
                    None => format!("no user {a}"),
                })
            }
            other => other,
        };
        Ok(AuditFilter {
            actor,
            action_prefix: given(&self.action),
            target: given(&self.target),
        })
    }
}

/// The audit log, newest first (admins), optionally only some actor, action or target.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(PageQuery, AuditQuery),
    responses(
        (status = 200, body = Page<AuditEntryView>),
        (status = 400, description = "A bad filter or cursor", body = crate::error::ErrorEnvelope),
    ))]
pub(crate) async fn list_audit(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<Page<AuditEntryView>>, ApiError> {
    let filter = query.filter(&state).await?;
    let limit = page.limit()?;
    let before = match page.after()? {
        None => None,
        Some(id) => Some(
            id.parse::<i64>()
                .map_err(|_| ApiError::invalid("cursor", "is not a cursor this server gave out"))?,
        ),
    };
    let mut entries = state.auth().audit_log(limit + 1, before, &filter).await?;
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let next_cursor = more
        .then(|| entries.last().map(|e| cursor(&e.id.to_string())))
        .flatten();
    Ok(Json(Page {
        items: entries.into_iter().map(AuditEntryView::from).collect(),
        next_cursor,
    }))
}

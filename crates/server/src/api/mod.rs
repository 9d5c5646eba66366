//! `/api/v1`: one module per resource, each registering its routes with their OpenAPI
//! description.

pub(crate) mod audit;
mod auth;
mod definitions;
mod instances;
mod me;
mod quotas;
mod resources;
mod templates;
pub(crate) mod usage;
mod users;

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;

/// Sign-in routes, which the per-client rate limit guards.
pub(crate) fn auth_routes() -> OpenApiRouter<AppState> {
    auth::routes()
}

/// Every other `/api/v1` route.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    users::routes()
        .merge(me::routes())
        .merge(audit::routes())
        .merge(resources::routes())
        .merge(definitions::routes())
        .merge(templates::routes())
        .merge(instances::routes())
        .merge(quotas::routes())
        .merge(usage::routes())
}

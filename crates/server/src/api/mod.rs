//! `/api/v1`: one module per resource.

mod audit;
mod auth;
mod definitions;
mod me;
mod resources;
mod users;

use crate::state::AppState;
use axum::Router;
use axum::routing::{delete, get, post};
use isched_engine::definitions::Kind;

/// Sign-in routes, which the per-client rate limit guards.
pub(crate) fn auth_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/challenge", post(auth::challenge))
        .route("/api/v1/auth/refresh", post(auth::refresh))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/auth/forgot-password", post(auth::forgot_password))
        .route(
            "/api/v1/auth/confirm-forgot-password",
            post(auth::confirm_forgot_password),
        )
        .route("/api/v1/auth/sign-up", post(auth::sign_up))
        .route("/api/v1/auth/verify-email", post(auth::verify_email))
        .route(
            "/api/v1/auth/resend-verification",
            post(auth::resend_verification),
        )
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", get(users::list).post(users::create))
        .route("/api/v1/users/me", get(users::me))
        .route("/api/v1/users/me/password", post(me::change_password))
        .route("/api/v1/users/me/mfa", delete(me::remove_mfa))
        .route("/api/v1/users/me/mfa/totp", post(me::begin_totp))
        .route("/api/v1/users/me/mfa/totp/verify", post(me::confirm_totp))
        .route(
            "/api/v1/users/me/mfa/recovery-codes",
            post(me::new_recovery_codes),
        )
        .route(
            "/api/v1/users/me/tokens",
            get(me::list_tokens).post(me::create_token),
        )
        .route("/api/v1/users/me/tokens/{id}", delete(me::revoke_token))
        .route(
            "/api/v1/users/{id}",
            get(users::get).patch(users::update).delete(users::delete),
        )
        .route(
            "/api/v1/users/{id}/reset-password",
            post(users::reset_password),
        )
        .route("/api/v1/users/{id}/mfa", delete(users::reset_mfa))
        .route("/api/v1/audit", get(audit::list))
        .route("/api/v1/resources", get(resources::list))
        .route("/api/v1/resources/{id}/history", get(resources::history))
        .route(
            "/api/v1/resources/{id}/override",
            axum::routing::put(resources::set_override).delete(resources::clear_override),
        )
        .route(
            "/api/v1/resources/{id}/schedule",
            axum::routing::put(resources::assign_schedule).delete(resources::unassign_schedule),
        )
        .merge(definitions::routes(Kind::Period, "/api/v1/periods"))
        .merge(definitions::routes(Kind::Schedule, "/api/v1/schedules"))
        .merge(definitions::routes(Kind::Calendar, "/api/v1/calendars"))
}

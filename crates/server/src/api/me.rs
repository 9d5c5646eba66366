//! `/api/v1/users/me/...`: a user's own password, MFA and personal access tokens.

use crate::body::{ApiJson, ApiQuery};
use crate::error::{ApiError, ErrorEnvelope};
use crate::extract::{CurrentUser, RecentlyAuthenticated};
use crate::state::AppState;
use crate::views::users::{CreatedTokenView, TokenView, TotpEnrolmentView};
use crate::views::{Page, PageQuery, RecoveryCodes};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(change_password))
        .routes(routes!(remove_mfa))
        .routes(routes!(begin_totp))
        .routes(routes!(confirm_totp))
        .routes(routes!(new_recovery_codes))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct PasswordChange {
    #[schema(value_type = String, format = Password)]
    current_password: SecretString,
    #[schema(value_type = String, format = Password)]
    new_password: SecretString,
}

/// Changes the signed-in user's password.
#[utoipa::path(post, path = "/api/v1/users/me/password", tag = "me", request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "The new password does not meet the policy", body = ErrorEnvelope),
        (status = 401, description = "The current password is wrong", body = ErrorEnvelope),
    ))]
pub(crate) async fn change_password(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .change_password(
            me.user(),
            &body.current_password,
            &body.new_password,
            state.now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts TOTP enrolment: a secret to put in an authenticator app.
#[utoipa::path(post, path = "/api/v1/users/me/mfa/totp", tag = "me",
    responses(
        (status = 200, body = TotpEnrolmentView),
        (status = 409, description = "MFA is enrolled already", body = ErrorEnvelope),
    ))]
pub(crate) async fn begin_totp(
    State(state): State<AppState>,
    RecentlyAuthenticated(me): RecentlyAuthenticated,
) -> Result<Json<TotpEnrolmentView>, ApiError> {
    let enrolment = state.auth().begin_totp(&me.user, state.now()).await?;
    Ok(Json(enrolment.into()))
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct Code {
    /// Six digits from the authenticator app.
    code: String,
}

/// Confirms TOTP enrolment with a code; answers the recovery codes, shown once.
#[utoipa::path(post, path = "/api/v1/users/me/mfa/totp/verify", tag = "me", request_body = Code,
    responses(
        (status = 200, body = RecoveryCodes),
        (status = 400, description = "Wrong code", body = ErrorEnvelope),
        (status = 409, description = "No enrolment was started", body = ErrorEnvelope),
    ))]
pub(crate) async fn confirm_totp(
    State(state): State<AppState>,
    RecentlyAuthenticated(me): RecentlyAuthenticated,
    ApiJson(body): ApiJson<Code>,
) -> Result<Json<RecoveryCodes>, ApiError> {
    let recovery_codes = state
        .auth()
        .confirm_totp(&me.user, &body.code, state.now())
        .await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

/// Removes the signed-in user's MFA.
#[utoipa::path(delete, path = "/api/v1/users/me/mfa", tag = "me",
    responses((status = 204, description = "Removed")))]
pub(crate) async fn remove_mfa(
    State(state): State<AppState>,
    RecentlyAuthenticated(me): RecentlyAuthenticated,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .remove_totp(&me.user.id, &me.user.id, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replaces the recovery codes; the old ones stop working.
#[utoipa::path(post, path = "/api/v1/users/me/mfa/recovery-codes", tag = "me",
    responses(
        (status = 200, body = RecoveryCodes),
        (status = 409, description = "MFA is not enrolled", body = ErrorEnvelope),
    ))]
pub(crate) async fn new_recovery_codes(
    State(state): State<AppState>,
    RecentlyAuthenticated(me): RecentlyAuthenticated,
) -> Result<Json<RecoveryCodes>, ApiError> {
    if !me.user.mfa_enabled {
        return Err(ApiError::conflict("enrol MFA first"));
    }
    let recovery_codes = state.auth().replace_recovery_codes(&me.user.id).await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

/// The signed-in user's personal access tokens, by id.
#[utoipa::path(get, path = "/api/v1/users/me/tokens", tag = "me", params(PageQuery),
    responses((status = 200, body = Page<TokenView>)))]
pub(crate) async fn list_tokens(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<TokenView>>, ApiError> {
    let tokens = state
        .store()
        .list_personal_access_tokens(&me.user().id)
        .await?;
    let page = page.page_of(tokens, |t| t.id.clone())?;
    Ok(Json(page.map(|t| TokenView::from(&t))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewToken {
    name: String,
    /// Some of `read`, `write`, `admin`.
    scopes: Vec<String>,
    /// Default 90.
    expires_in_days: Option<i64>,
}

/// Creates a personal access token; the token is in the answer, this once.
#[utoipa::path(post, path = "/api/v1/users/me/tokens", tag = "me", request_body = NewToken,
    responses((status = 201, body = CreatedTokenView)))]
pub(crate) async fn create_token(
    State(state): State<AppState>,
    RecentlyAuthenticated(me): RecentlyAuthenticated,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<CreatedTokenView>), ApiError> {
    let created = state
        .auth()
        .create_personal_access_token(
            &me.user,
            &body.name,
            &body.scopes,
            body.expires_in_days,
            state.now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedTokenView {
            info: TokenView::from(&created.info),
            token: created.token.expose_secret().to_owned(),
        }),
    ))
}

/// Revokes one of the signed-in user's tokens.
#[utoipa::path(delete, path = "/api/v1/users/me/tokens/{id}", tag = "me", params(("id" = String, Path)),
    responses((status = 204, description = "Revoked"), (status = 404, body = ErrorEnvelope)))]
pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .revoke_personal_access_token(me.user(), &id, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

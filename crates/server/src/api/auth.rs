//! Sign-in: login (tokens, or a challenge to answer), challenge responses, refresh, logout,
//! forgot password, self sign-up and email verification.

use crate::body::ApiJson;
use crate::error::{ApiError, ErrorEnvelope};
use crate::state::AppState;
use crate::views::auth::{LoginView, TokenSetView};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use isched_auth::service::{NEW_PASSWORD_REQUIRED, SOFTWARE_TOKEN_MFA};
use secrecy::SecretString;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(challenge))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(forgot_password))
        .routes(routes!(confirm_forgot_password))
        .routes(routes!(sign_up))
        .routes(routes!(verify_email))
        .routes(routes!(resend_verification))
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct Login {
    email: String,
    #[schema(value_type = String, format = Password)]
    password: SecretString,
}

/// Signs in with email and password: tokens, or a challenge to answer first.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = Login,
    responses(
        (status = 200, body = LoginView),
        (status = 401, description = "Wrong email or password, or the temporary password expired", body = ErrorEnvelope),
        (status = 403, description = "The email address is not verified yet", body = ErrorEnvelope),
    ))]
pub(crate) async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Login>,
) -> Result<Json<LoginView>, ApiError> {
    let outcome = state
        .auth()
        .login(&body.email, &body.password, state.now())
        .await?;
    Ok(Json(outcome.into()))
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct Challenge {
    /// `NEW_PASSWORD_REQUIRED` or `SOFTWARE_TOKEN_MFA`, as the login answered.
    challenge: String,
    session: String,
    /// For `NEW_PASSWORD_REQUIRED`.
    #[schema(value_type = Option<String>, format = Password)]
    new_password: Option<SecretString>,
    /// For `SOFTWARE_TOKEN_MFA`: the authenticator's code...
    code: Option<String>,
    /// ...or one recovery code.
    recovery_code: Option<String>,
}

/// Answers a sign-in challenge.
#[utoipa::path(post, path = "/api/v1/auth/challenge", tag = "auth", request_body = Challenge,
    responses(
        (status = 200, body = LoginView),
        (status = 400, description = "Missing answer, wrong code or a password the policy refuses", body = ErrorEnvelope),
        (status = 401, description = "The session expired or is not valid", body = ErrorEnvelope),
    ))]
pub(crate) async fn challenge(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Challenge>,
) -> Result<Json<LoginView>, ApiError> {
    let now = state.now();
    match body.challenge.as_str() {
        NEW_PASSWORD_REQUIRED => {
            let Some(new_password) = body.new_password else {
                return Err(ApiError::invalid(
                    "new_password",
                    "required for NEW_PASSWORD_REQUIRED",
                ));
            };
            let outcome = state
                .auth()
                .respond_new_password(&body.session, &new_password, now)
                .await?;
            Ok(Json(outcome.into()))
        }
        SOFTWARE_TOKEN_MFA => {
            let tokens = state
                .auth()
                .respond_mfa(
                    &body.session,
                    body.code.as_deref(),
                    body.recovery_code.as_deref(),
                    now,
                )
                .await?;
            Ok(Json(LoginView::Tokens(tokens.into())))
        }
        other => Err(ApiError::invalid(
            "challenge",
            format!("{other:?} is not a challenge isched asks"),
        )),
    }
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct RefreshBody {
    refresh_token: String,
}

/// Trades a refresh token for new tokens; the old refresh token is spent.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshBody,
    responses(
        (status = 200, body = TokenSetView),
        (status = 401, description = "The refresh token is not valid, spent or expired", body = ErrorEnvelope),
    ))]
pub(crate) async fn refresh(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshBody>,
) -> Result<Json<TokenSetView>, ApiError> {
    let tokens = state
        .auth()
        .refresh(&body.refresh_token, state.now())
        .await?;
    Ok(Json(tokens.into()))
}

/// Revokes a refresh token.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshBody,
    responses((status = 204, description = "Revoked (or already not valid)")))]
pub(crate) async fn logout(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshBody>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .logout(&body.refresh_token, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct EmailOnly {
    email: String,
}

/// Emails a code to reset the password. Always 202: the answer does not say whether the
/// email has an account.
#[utoipa::path(post, path = "/api/v1/auth/forgot-password", tag = "auth", request_body = EmailOnly,
    responses((status = 202, description = "A code was emailed if the account exists")))]
pub(crate) async fn forgot_password(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<EmailOnly>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .forgot_password(&body.email, state.now())
        .await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct ConfirmForgot {
    email: String,
    code: String,
    #[schema(value_type = String, format = Password)]
    new_password: SecretString,
}

/// Sets a new password with the emailed code.
#[utoipa::path(post, path = "/api/v1/auth/confirm-forgot-password", tag = "auth", request_body = ConfirmForgot,
    responses(
        (status = 204, description = "The password is changed"),
        (status = 400, description = "Wrong or expired code, or a password the policy refuses", body = ErrorEnvelope),
    ))]
pub(crate) async fn confirm_forgot_password(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ConfirmForgot>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .confirm_forgot_password(&body.email, &body.code, &body.new_password, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Self sign-up, where the settings allow it; a verification code is emailed.
#[utoipa::path(post, path = "/api/v1/auth/sign-up", tag = "auth", request_body = Login,
    responses(
        (status = 202, description = "Signed up; verify the email address next"),
        (status = 403, description = "Self sign-up is off, or the domain is not allowed", body = ErrorEnvelope),
    ))]
pub(crate) async fn sign_up(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Login>,
) -> Result<StatusCode, ApiError> {
    let created = state
        .auth()
        .sign_up(&body.email, &body.password, state.now())
        .await?;
    // A taken email answers the same, and tells no one.
    if let Some(user) = created {
        state
            .engine()
            .announce_user_created(&user, "they signed up themselves")
            .await;
    }
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct VerifyEmail {
    email: String,
    code: String,
}

/// Confirms an email address with the emailed code.
#[utoipa::path(post, path = "/api/v1/auth/verify-email", tag = "auth", request_body = VerifyEmail,
    responses(
        (status = 204, description = "Verified"),
        (status = 400, description = "Wrong or expired code", body = ErrorEnvelope),
    ))]
pub(crate) async fn verify_email(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<VerifyEmail>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .verify_email(&body.email, &body.code, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Emails a new verification code.
#[utoipa::path(post, path = "/api/v1/auth/resend-verification", tag = "auth", request_body = EmailOnly,
    responses((status = 202, description = "A code was emailed if the account awaits one")))]
pub(crate) async fn resend_verification(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<EmailOnly>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .resend_verification(&body.email, state.now())
        .await?;
    Ok(StatusCode::ACCEPTED)
}

//! `/api/v1/users`: administrators manage users; everyone reads themselves.

use crate::body::{ApiJson, ApiQuery};
use crate::error::{ApiError, ErrorEnvelope};
use crate::extract::{AdminUser, CurrentUser};
use crate::state::AppState;
use crate::views::users::{CreatedUserView, PasswordResetView, UserView};
use crate::views::{Page, PageQuery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(me))
        .routes(routes!(get_user, update_user, delete_user))
        .routes(routes!(reset_password))
        .routes(routes!(reset_mfa))
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/users/me", tag = "users", responses((status = 200, body = UserView)))]
pub(crate) async fn me(CurrentUser(p): CurrentUser) -> Json<UserView> {
    Json(UserView::from(&p.user))
}

/// Every user, by email (admins).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(PageQuery),
    responses((status = 200, body = Page<UserView>)))]
pub(crate) async fn list_users(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<UserView>>, ApiError> {
    let users = state.store().list_users().await?;
    let page = page.page_of(users, |u| u.email.as_str().to_owned())?;
    Ok(Json(page.map(|u| UserView::from(&u))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUser {
    email: String,
    /// e.g. `["admin"]`; none makes a plain user.
    groups: Option<Vec<String>>,
}

/// Creates a user with a temporary password: emailed when email works, otherwise in the
/// answer, this once (admins).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    responses(
        (status = 201, body = CreatedUserView),
        (status = 409, description = "A user with that email exists", body = ErrorEnvelope),
    ))]
pub(crate) async fn create_user(
    State(state): State<AppState>,
    admin: AdminUser,
    ApiJson(body): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<CreatedUserView>), ApiError> {
    let (user, issued) = state
        .auth()
        .create_user(
            admin.user(),
            &body.email,
            body.groups.as_deref(),
            state.now(),
        )
        .await?;
    state
        .engine()
        .announce_user_created(&user, &format!("by {}", admin.user().email.as_str()))
        .await;
    Ok((
        StatusCode::CREATED,
        Json(CreatedUserView {
            user: UserView::from(&user),
            password: (&issued).into(),
        }),
    ))
}

/// One user (admins).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = UserView), (status = 404, body = ErrorEnvelope)))]
pub(crate) async fn get_user(
    State(state): State<AppState>,
    _admin: AdminUser,
    Path(id): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    let user = state
        .store()
        .user_by_id(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no user with id {id:?}")))?;
    Ok(Json(UserView::from(&user)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserChange {
    /// `active` or `disabled`.
    status: Option<String>,
    groups: Option<Vec<String>>,
}

/// Enables or disables a user, or sets their groups (admins).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)),
    request_body = UserChange,
    responses(
        (status = 200, body = UserView),
        (status = 403, description = "The change would leave no active admin", body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    ))]
pub(crate) async fn update_user(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UserChange>,
) -> Result<Json<UserView>, ApiError> {
    let now = state.now();
    let auth = state.auth();
    let mut user = None;
    if let Some(status) = body.status.as_deref() {
        let disabled = match status {
            "disabled" => true,
            "active" => false,
            other => {
                return Err(ApiError::invalid(
                    "status",
                    format!("{other:?} is not \"active\" or \"disabled\""),
                ));
            }
        };
        user = Some(auth.set_disabled(admin.user(), &id, disabled, now).await?);
    }
    if let Some(groups) = &body.groups {
        user = Some(auth.set_groups(admin.user(), &id, groups, now).await?);
    }
    match user {
        Some(u) => Ok(Json(UserView::from(&u))),
        None => Err(ApiError::invalid("status", "give status and/or groups")),
    }
}

/// Deletes a user (admins).
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "The last active admin cannot be deleted", body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    ))]
pub(crate) async fn delete_user(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .delete_user(admin.user(), &id, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Issues a new temporary password (admins).
#[utoipa::path(post, path = "/api/v1/users/{id}/reset-password", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = PasswordResetView), (status = 404, body = ErrorEnvelope)))]
pub(crate) async fn reset_password(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<String>,
) -> Result<Json<PasswordResetView>, ApiError> {
    let issued = state
        .auth()
        .reset_password(admin.user(), &id, state.now())
        .await?;
    Ok(Json(PasswordResetView {
        id,
        password: (&issued).into(),
    }))
}

/// Removes a user's MFA, so they enrol again (admins).
#[utoipa::path(delete, path = "/api/v1/users/{id}/mfa", tag = "users", params(("id" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 404, body = ErrorEnvelope)))]
pub(crate) async fn reset_mfa(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .remove_totp(&admin.user().id, &id, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

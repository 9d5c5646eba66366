//! Every form carries the browser's CSRF token (double submit: the same value in a cookie,
//! which another site can neither read nor set), and every POST handler takes its body
//! through [`CsrfForm`], so no form can forget the check. `SameSite=Lax` session cookies
//! already keep other sites' POSTs unauthenticated; this also covers the sign-in forms.

use crate::pages::error_page;
use crate::session::CsrfToken;
use axum::extract::{Form, FromRequest, Request};
use axum::http::StatusCode;
use axum::response::Response;
use isched_server::AppState;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

#[derive(Deserialize)]
struct WithCsrf<T> {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: T,
}

/// A form with no field but its token (a button: sign out, force-stop).
#[derive(Deserialize)]
pub(crate) struct Nothing {}

/// A form body whose CSRF token matched.
pub(crate) struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let expected = request
            .extensions()
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        let Form(body) = Form::<WithCsrf<T>>::from_request(request, state)
            .await
            .map_err(|e| {
                error_page(
                    StatusCode::BAD_REQUEST,
                    "Form not understood",
                    &format!("The form could not be read: {}.", e.body_text()),
                )
            })?;
        if expected.is_empty() || !bool::from(body.csrf.as_bytes().ct_eq(expected.as_bytes())) {
            return Err(error_page(
                StatusCode::FORBIDDEN,
                "Form expired",
                "This form is out of date or came from another site. Go back, reload the page and try again.",
            ));
        }
        Ok(CsrfForm(body.form))
    }
}

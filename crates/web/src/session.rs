//! Cookie sessions for the web pages, on the same tokens as the API: the access token
//! (short-lived) and the rotating refresh token live in `HttpOnly`, `SameSite=Lax` cookies,
//! `Secure` unless the page is served on a loopback address. A middleware resolves the
//! signed-in user once per request (refreshing the pair when the access token has run out)
//! and hands it to handlers through [`Session`]; a disabled user or a revoked token ends the
//! session at once, as in the API. Every response carries a CSRF cookie that every form
//! repeats (see [`crate::csrf`]).

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{COOKIE, HOST, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use isched_auth::principal::Principal;
use isched_auth::service::TokenSet;
use isched_server::AppState;
use isched_store::users::User;

pub(crate) const ACCESS: &str = "isched_access";
pub(crate) const REFRESH: &str = "isched_refresh";
pub(crate) const CSRF: &str = "isched_csrf";

/// The CSRF token of this browser, for forms.
#[derive(Debug, Clone)]
pub(crate) struct CsrfToken(pub String);

/// The refresh token of this browser's session (for signing out).
#[derive(Debug, Clone)]
pub(crate) struct RefreshToken(pub Option<String>);

/// Who is signed in, if anyone (set by [`resolve`]).
#[derive(Clone)]
struct SignedIn(Option<std::sync::Arc<Principal>>);

/// A signed-in user; a page that takes it sends everyone else to the sign-in page.
pub(crate) struct Session {
    pub principal: std::sync::Arc<Principal>,
    pub csrf: String,
}

impl Session {
    pub fn user(&self) -> &User {
        &self.principal.user
    }
}

/// The CSRF token, for pages anyone may see (the sign-in page).
pub(crate) struct Visitor {
    pub csrf: String,
    pub signed_in: bool,
}

fn csrf_of(parts: &Parts) -> String {
    parts
        .extensions
        .get::<CsrfToken>()
        .map(|t| t.0.clone())
        .unwrap_or_default()
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Response> {
        let signed_in = parts.extensions.get::<SignedIn>().and_then(|s| s.0.clone());
        match signed_in {
            Some(principal) => Ok(Session {
                principal,
                csrf: csrf_of(parts),
            }),
            None => Err(Redirect::to("/").into_response()),
        }
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &AppState,
    ) -> Result<Self, std::convert::Infallible> {
        Ok(Visitor {
            csrf: csrf_of(parts),
            signed_in: parts
                .extensions
                .get::<SignedIn>()
                .is_some_and(|s| s.0.is_some()),
        })
    }
}

/// Whether the browser reached us on a loopback address (cookies without `Secure` then,
/// since there is no TLS on a laptop's first run).
fn on_loopback(headers: &HeaderMap) -> bool {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let name = host
        .rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map_or(host, |(name, _)| name);
    matches!(name, "localhost" | "127.0.0.1" | "[::1]") || name.starts_with("127.")
}

fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build()
}

/// The cookies that sign a browser in with `tokens`.
pub(crate) fn signed_in_cookies(headers: &HeaderMap, tokens: &TokenSet) -> Vec<Cookie<'static>> {
    let secure = !on_loopback(headers);
    vec![
        cookie(ACCESS, tokens.access_token.clone(), secure),
        cookie(REFRESH, tokens.refresh_token.clone(), secure),
    ]
}

/// The cookies that end a session.
pub(crate) fn signed_out_cookies() -> Vec<Cookie<'static>> {
    [ACCESS, REFRESH]
        .into_iter()
        .map(|name| Cookie::build((name, "")).path("/").removal().build())
        .collect()
}

fn append(headers: &mut HeaderMap, cookies: &[Cookie<'static>]) {
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c.encoded().to_string()) {
            headers.append(SET_COOKIE, v);
        }
    }
}

/// Sets `cookies` on `response`.
pub(crate) fn with_cookies(mut response: Response, cookies: &[Cookie<'static>]) -> Response {
    append(response.headers_mut(), cookies);
    response
}

/// Resolves the session of each web request: the signed-in user (refreshing the tokens
/// when the access token has run out) and the CSRF token (made on the first visit).
pub(crate) async fn resolve(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let jar = CookieJar::from_headers(request.headers());
    let secure = !on_loopback(request.headers());
    let mut set: Vec<Cookie<'static>> = Vec::new();
    let now = state.now();
    let mut principal = None;
    let mut refresh_token = jar.get(REFRESH).map(|c| c.value().to_owned());
    if let Some(access) = jar.get(ACCESS) {
        principal = state
            .auth()
            .authenticate_bearer(access.value(), now)
            .await
            .ok();
    }
    if principal.is_none()
        && let Some(refresh) = jar.get(REFRESH)
    {
        match state.auth().refresh(refresh.value(), now).await {
            Ok(tokens) => {
                principal = state
                    .auth()
                    .authenticate_bearer(&tokens.access_token, now)
                    .await
                    .ok();
                set.extend(signed_in_cookies(request.headers(), &tokens));
                refresh_token = Some(tokens.refresh_token);
            }
            // Spent, revoked or expired: the browser signs in again.
            Err(_) => {
                set.extend(signed_out_cookies());
                refresh_token = None;
            }
        }
    }
    let csrf = match jar.get(CSRF) {
        Some(c) if c.value().len() >= 32 => c.value().to_owned(),
        _ => {
            let token = format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            );
            set.push(cookie(CSRF, token.clone(), secure));
            token
        }
    };
    // Handlers see the fresh tokens, not the stale cookie.
    request.headers_mut().remove(COOKIE);
    request
        .extensions_mut()
        .insert(SignedIn(principal.map(std::sync::Arc::new)));
    request.extensions_mut().insert(CsrfToken(csrf));
    request.extensions_mut().insert(RefreshToken(refresh_token));
    let mut response = next.run(request).await;
    append(response.headers_mut(), &set);
    response
}

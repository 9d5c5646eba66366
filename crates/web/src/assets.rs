//! The style sheet and the script, compiled into the binary (nothing is fetched at run
//! time). Their paths carry the version, so a new release is never served a stale copy
//! from a browser's cache.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;

const CSS: &str = include_str!("../assets/app.css");
const JS: &str = include_str!("../assets/app.js");

pub(crate) const CSS_PATH: &str = concat!("/ui/assets/app.css?v=", env!("CARGO_PKG_VERSION"));
pub(crate) const JS_PATH: &str = concat!("/ui/assets/app.js?v=", env!("CARGO_PKG_VERSION"));

const CACHE: &str = "public, max-age=3600";

pub(crate) async fn css() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, CACHE),
        ],
        CSS,
    )
}

pub(crate) async fn js() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, CACHE),
        ],
        JS,
    )
}

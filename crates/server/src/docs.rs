//! `GET /docs`: the API reference, rendered by Swagger UI from `/api/v1/openapi.json`. The
//! viewer's script and styles are compiled into the binary (the `swagger-ui-dist` crate), so
//! the page works with no network; our own page and start script replace the crate's index,
//! whose inline script the Content-Security-Policy would block.

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;

const ASSETS: &str = "/docs/assets";

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>isched API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"#;

const INIT: &str = "window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: false });\n";

pub(crate) fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let assets = swagger_ui_dist::generate_routes(swagger_ui_dist::ApiDefinition {
        uri_prefix: ASSETS,
        api_definition: swagger_ui_dist::OpenApiSource::Uri("/api/v1/openapi.json"),
        title: Some("isched API"),
    });
    Router::<()>::new()
        .route("/docs", get(|| async { Html(PAGE) }))
        .route(
            "/docs/init.js",
            get(|| async { ([(header::CONTENT_TYPE, "text/javascript")], INIT).into_response() }),
        )
        .merge(assets)
        .with_state(())
}

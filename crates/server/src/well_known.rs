//! `/.well-known/openid-configuration` and `/.well-known/jwks.json`, so that other services
//! can verify isched's access tokens.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

pub(crate) async fn jwks(State(state): State<AppState>) -> Json<Value> {
    // Publishes a rotation made elsewhere within a minute; a database hiccup serves the
    // keys already known rather than failing.
    if let Err(e) = state
        .auth()
        .reload_keys_if_older(jiff::SignedDuration::from_mins(1), state.now())
        .await
    {
        tracing::warn!(error = %e, "signing keys not reloaded");
    }
    Json(json!(state.auth().keys().jwks()))
}

pub(crate) async fn openid_configuration(State(state): State<AppState>) -> Json<Value> {
    let issuer = &state.auth().settings().issuer;
    Json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "token_endpoint": format!("{issuer}/api/v1/auth/login"),
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "jti", "token_use", "groups", "auth_time"],
    }))
}

//! Access tokens (and short-lived challenge sessions) as ES256 JWTs.

use crate::keys::KeyRing;
use jiff::Timestamp;
use jsonwebtoken::{Algorithm, Header, Validation, decode, decode_header, encode};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    /// `access`, or `challenge` for a sign-in that must answer a challenge first.
    pub token_use: String,
    #[serde(default)]
    pub groups: Vec<String>,
    pub auth_time: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid token: {0}")]
pub struct InvalidToken(pub String);

pub fn sign(keys: &KeyRing, claims: &Claims) -> String {
    let (kid, key) = keys.signing();
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(kid.to_owned());
    encode(&header, claims, key).expect("ES256 signing with a valid key does not fail")
}

/// Verifies signature (ES256 only: `none` and HMAC are refused), issuer, audience, expiry
/// and `token_use`.
pub fn verify(
    keys: &KeyRing,
    token: &str,
    issuer: &str,
    audience: &str,
    token_use: &str,
    now: Timestamp,
) -> Result<Claims, InvalidToken> {
    let header = decode_header(token).map_err(|e| InvalidToken(e.to_string()))?;
    if header.alg != Algorithm::ES256 {
        return Err(InvalidToken(format!(
            "algorithm {:?} is not accepted",
            header.alg
        )));
    }
    let kid = header.kid.ok_or_else(|| InvalidToken("no key id".into()))?;
    let key = keys
        .verifying(&kid)
        .ok_or_else(|| InvalidToken("unknown key id".into()))?;
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.leeway = 0;
    // Expiry is checked against the caller's clock below, so tests control time.
    validation.validate_exp = false;
    let claims = decode::<Claims>(token, key, &validation)
        .map_err(|e| InvalidToken(e.to_string()))?
        .claims;
    if claims.exp <= now.as_second() {
        return Err(InvalidToken("expired".into()));
    }
    if claims.token_use != token_use {
        return Err(InvalidToken(format!(
            "a {} token where an {token_use} token is expected",
            claims.token_use
        )));
    }
    Ok(claims)
}

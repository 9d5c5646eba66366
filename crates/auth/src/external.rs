//! Tokens from trusted external issuers (Amazon Cognito user pools, any OIDC provider).
//! Keys come from each issuer's JWKS URL, cached and refetched when a token names an
//! unknown key id, at most once per `min_refresh` so that bad tokens cannot make isched
//! hammer the issuer. The first token of a person creates their local user.

use crate::service::{AuthError, AuthService};
use isched_store::Email;
use isched_store::users::{NewUser, ROLE_USER, UserStatus};
use jiff::{SignedDuration, Timestamp};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// One trusted issuer, from configuration (`external_issuers`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalIssuer {
    /// Exactly the `iss` claim, e.g. `https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC`.
    pub issuer: String,
    /// Separate from the issuer because Cognito's and some OIDC set-ups differ from
    /// discovery (`{issuer}/.well-known/jwks.json` for Cognito).
    pub jwks_url: String,
    /// Accepted `aud` values, or for Cognito access tokens (which have no `aud`) `client_id`.
    pub audiences: Vec<String>,
    /// Required `token_use` (Cognito: `access`, so that id tokens are refused).
    #[serde(default)]
    pub token_use: Option<String>,
    /// The claim that lists the person's groups (Cognito: `cognito:groups`).
    #[serde(default = "default_groups_claim")]
    pub groups_claim: String,
    /// External group → isched group (e.g. `{"Admins": "admin"}`); unmapped groups are ignored.
    #[serde(default)]
    pub roles: BTreeMap<String, String>,
    /// Claim with the person's email (Cognito access tokens have none; `username` is used
    /// when it is an email).
    #[serde(default = "default_email_claim")]
    pub email_claim: String,
}

fn default_groups_claim() -> String {
    "groups".into()
}

fn default_email_claim() -> String {
    "email".into()
}

#[derive(Default)]
struct KeyCache {
    keys: HashMap<String, (Algorithm, DecodingKey)>,
    fetched_at: Option<Timestamp>,
}

/// Verifies tokens of the configured issuers.
pub struct ExternalVerifier {
    issuers: Vec<ExternalIssuer>,
    caches: Vec<Mutex<KeyCache>>,
    http: reqwest::Client,
    min_refresh: SignedDuration,
}

impl ExternalVerifier {
    pub fn new(issuers: Vec<ExternalIssuer>) -> ExternalVerifier {
        let caches = issuers
            .iter()
            .map(|_| Mutex::new(KeyCache::default()))
            .collect();
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .expect("HTTP client with rustls");
        ExternalVerifier {
            issuers,
            caches,
            http,
            min_refresh: SignedDuration::from_secs(30),
        }
    }

    fn index_of(&self, token: &str) -> Option<usize> {
        let payload = token.split('.').nth(1)?;
        let bytes =
            base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
                .ok()?;
        let iss = serde_json::from_slice::<Value>(&bytes)
            .ok()?
            .get("iss")?
            .as_str()?
            .to_owned();
        self.issuers.iter().position(|i| i.issuer == iss)
    }

    fn cached(&self, index: usize, kid: &str) -> Option<(Algorithm, DecodingKey)> {
        self.caches[index]
            .lock()
            .expect("key cache")
            .keys
            .get(kid)
            .cloned()
    }

    /// Refetches the issuer's keys unless that happened less than `min_refresh` ago.
    async fn refresh(&self, index: usize, now: Timestamp) -> Result<(), AuthError> {
        {
            let mut cache = self.caches[index].lock().expect("key cache");
            if cache.fetched_at.is_some_and(|t| now < t + self.min_refresh) {
                return Ok(());
            }
            cache.fetched_at = Some(now);
        }
        let issuer = &self.issuers[index];
        let unavailable = |e: String| {
            AuthError::InvalidToken(format!("cannot fetch the keys of {}: {e}", issuer.issuer))
        };
        let body = self
            .http
            .get(&issuer.jwks_url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| unavailable(e.without_url().to_string()))?
            .bytes()
            .await
            .map_err(|e| unavailable(e.without_url().to_string()))?;
        let keys = usable_keys(&body).map_err(unavailable)?;
        self.caches[index].lock().expect("key cache").keys = keys;
        Ok(())
    }

    async fn verify(&self, index: usize, token: &str, now: Timestamp) -> Result<Value, AuthError> {
        let issuer = &self.issuers[index];
        let header = decode_header(token).map_err(|e| AuthError::InvalidToken(e.to_string()))?;
        let kid = header
            .kid
            .ok_or_else(|| AuthError::InvalidToken("no key id".into()))?;
        let (alg, key) = match self.cached(index, &kid) {
            Some(k) => k,
            None => {
                self.refresh(index, now).await?;
                self.cached(index, &kid)
                    .ok_or_else(|| AuthError::InvalidToken("unknown key id".into()))?
            }
        };
        // The key decides the algorithm; a token cannot choose `none` or HMAC.
        if header.alg != alg {
            return Err(AuthError::InvalidToken(format!(
                "algorithm {:?} does not match the key",
                header.alg
            )));
        }
        let mut validation = Validation::new(alg);
        validation.set_issuer(&[&issuer.issuer]);
        validation.validate_aud = false;
        validation.validate_exp = false;
        validation.leeway = 0;
        validation.required_spec_claims.clear();
        let claims = decode::<Value>(token, &key, &validation)
            .map_err(|e| AuthError::InvalidToken(e.to_string()))?
            .claims;
        let exp = claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or_else(|| AuthError::InvalidToken("no expiry".into()))?;
        if exp <= now.as_second() {
            return Err(AuthError::InvalidToken("expired".into()));
        }
        let audiences: Vec<&str> = match claims.get("aud") {
            Some(Value::String(a)) => vec![a.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => claims
                .get("client_id")
                .and_then(Value::as_str)
                .into_iter()
                .collect(),
        };
        if !audiences
            .iter()
            .any(|a| issuer.audiences.iter().any(|x| x == a))
        {
            return Err(AuthError::InvalidToken(
                "the token is for another audience".into(),
            ));
        }
        if let Some(required) = &issuer.token_use
            && claims.get("token_use").and_then(Value::as_str) != Some(required.as_str())
        {
            return Err(AuthError::InvalidToken(format!(
                "a token with token_use {required} is required"
            )));
        }
        Ok(claims)
    }
}

impl AuthService {
    pub(crate) fn external_issuer_of(&self, token: &str) -> Option<&ExternalIssuer> {
        let verifier = self.external.as_ref()?;
        verifier.index_of(token).map(|i| &verifier.issuers[i])
    }

    /// Verifies an external token and returns the local user id (created on first use,
    /// groups mapped on every use) and the sign-in time.
    pub(crate) async fn authenticate_external(
        &self,
        issuer: &ExternalIssuer,
        token: &str,
        now: Timestamp,
    ) -> Result<(String, Option<Timestamp>), AuthError> {
        let verifier = self
            .external
            .as_ref()
            .ok_or_else(|| AuthError::InvalidToken("no external issuers".into()))?;
        let index = verifier
            .issuers
            .iter()
            .position(|i| i == issuer)
            .ok_or_else(|| AuthError::InvalidToken("unknown issuer".into()))?;
        let claims = verifier.verify(index, token, now).await?;
        let sub = claims
            .get("sub")
            .and_then(Value::as_str)
            .ok_or_else(|| AuthError::InvalidToken("no subject".into()))?;
        let auth_time = claims
            .get("auth_time")
            .and_then(Value::as_i64)
            .and_then(|t| Timestamp::from_second(t).ok());
        let mut roles: Vec<String> = match claims.get(&issuer.groups_claim) {
            Some(Value::Array(groups)) => groups
                .iter()
                .filter_map(Value::as_str)
                .filter_map(|g| issuer.roles.get(g).cloned())
                .collect(),
            _ => Vec::new(),
        };
        if roles.is_empty() {
            roles.push(ROLE_USER.to_owned());
        }
        roles.sort();
        roles.dedup();
        let user_id = match self.store.external_identity(&issuer.issuer, sub).await? {
            Some(id) => id,
            None => {
                self.first_external_use(issuer, sub, &claims, &roles, now)
                    .await?
            }
        };
        if let Some(user) = self.store.user_by_id(&user_id).await?
            && user.roles != roles
        {
            self.store.set_user_roles(&user_id, &roles, now).await?;
        }
        Ok((user_id, auth_time))
    }

    async fn first_external_use(
        &self,
        issuer: &ExternalIssuer,
        sub: &str,
        claims: &Value,
        roles: &[String],
        now: Timestamp,
    ) -> Result<String, AuthError> {
        let email = [issuer.email_claim.as_str(), "username", "cognito:username"]
            .iter()
            .filter_map(|c| claims.get(*c).and_then(Value::as_str))
            .find_map(|e| Email::parse(e).ok())
            .ok_or_else(|| {
                AuthError::InvalidToken(format!(
                    "the token has no email in the claim {:?}",
                    issuer.email_claim
                ))
            })?;
        let role_refs: Vec<&str> = roles.iter().map(String::as_str).collect();
        let user = match self.store.user_by_email(&email).await? {
            // An existing local account with this email is linked, not duplicated.
            Some(u) => u,
            None => {
                self.store
                    .create_user(NewUser {
                        email: &email,
                        password_hash: None,
                        password_expires_at: None,
                        email_verified: true,
                        status: UserStatus::Active,
                        roles: &role_refs,
                        now,
                    })
                    .await?
            }
        };
        self.store
            .link_external_identity(&issuer.issuer, sub, &user.id, now)
            .await?;
        self.audit(
            now,
            &user.id,
            "auth.external_user_linked",
            Some(&user.id),
            serde_json::json!({ "issuer": issuer.issuer, "sub": sub }),
        )
        .await?;
        Ok(user.id)
    }
}

/// The keys of a JWK set (an issuer's answer, untrusted) that can verify tokens, by key id:
/// RSA and EC keys with an id; the rest are skipped.
pub(crate) fn usable_keys(
    body: &[u8],
) -> Result<HashMap<String, (Algorithm, DecodingKey)>, String> {
    let set: JwkSet = serde_json::from_slice(body).map_err(|e| format!("not a JWK set: {e}"))?;
    let mut keys = HashMap::new();
    for jwk in &set.keys {
        let (Some(kid), Ok(key)) = (jwk.common.key_id.clone(), DecodingKey::from_jwk(jwk)) else {
            continue;
        };
        let alg = match &jwk.algorithm {
            jsonwebtoken::jwk::AlgorithmParameters::RSA(_) => Algorithm::RS256,
            jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
            _ => continue,
        };
        keys.insert(kid, (alg, key));
    }
    Ok(keys)
}

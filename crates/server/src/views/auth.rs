//! Sign-in answers: tokens, or a challenge to answer first.

use isched_auth::service::{LoginOutcome, TokenSet};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TokenSetView {
    pub access_token: String,
    /// Spent by its first use: `/auth/refresh` answers with a new one.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds the access token is valid.
    pub expires_in: i64,
}

impl From<TokenSet> for TokenSetView {
    fn from(t: TokenSet) -> TokenSetView {
        TokenSetView {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            token_type: t.token_type.to_owned(),
            expires_in: t.expires_in,
        }
    }
}

/// Sign-in needs one more step: answer at `/api/v1/auth/challenge` with this session.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ChallengeView {
    /// `NEW_PASSWORD_REQUIRED` or `SOFTWARE_TOKEN_MFA`.
    pub challenge: String,
    pub session: String,
}

/// Tokens, or a challenge.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub(crate) enum LoginView {
    Tokens(TokenSetView),
    Challenge(ChallengeView),
}

impl From<LoginOutcome> for LoginView {
    fn from(o: LoginOutcome) -> LoginView {
        match o {
            LoginOutcome::Tokens(t) => LoginView::Tokens(t.into()),
            LoginOutcome::Challenge { challenge, session } => LoginView::Challenge(ChallengeView {
                challenge: challenge.to_owned(),
                session,
            }),
        }
    }
}

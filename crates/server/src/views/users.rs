//! Users, their personal access tokens and MFA enrolment.

use isched_auth::admin::IssuedPassword;
use isched_auth::mfa::TotpEnrolment;
use isched_store::identity::PersonalAccessToken;
use isched_store::users::User;
use jiff::Timestamp;
use secrecy::ExposeSecret;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct UserView {
    pub id: String,
    pub email: String,
    /// `active`, `disabled`, `unconfirmed`, ...
    pub status: String,
    pub groups: Vec<String>,
    pub mfa_enabled: bool,
    pub email_verified: bool,
    /// A temporary password stops working then.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub password_expires_at: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<&User> for UserView {
    fn from(user: &User) -> UserView {
        UserView {
            id: user.id.clone(),
            email: user.email.as_str().to_owned(),
            status: user.status.as_str().to_owned(),
            groups: user.roles.clone(),
            mfa_enabled: user.mfa_enabled,
            email_verified: user.email_verified_at.is_some(),
            password_expires_at: user.password_expires_at,
            created_at: user.created_at,
        }
    }
}

/// A temporary password, when it was not emailed: shown to the admin this once.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct IssuedPasswordView {
    pub temporary_password_emailed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporary_password: Option<String>,
}

impl From<&IssuedPassword> for IssuedPasswordView {
    fn from(issued: &IssuedPassword) -> IssuedPasswordView {
        IssuedPasswordView {
            temporary_password_emailed: issued.emailed,
            temporary_password: issued
                .temporary_password
                .as_ref()
                .map(|p| p.expose_secret().to_owned()),
        }
    }
}

/// A user just created, with how they get their first password.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CreatedUserView {
    #[serde(flatten)]
    pub user: UserView,
    #[serde(flatten)]
    pub password: IssuedPasswordView,
}

/// A password reset by an admin.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PasswordResetView {
    /// The user's id.
    pub id: String,
    #[serde(flatten)]
    pub password: IssuedPasswordView,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TokenView {
    pub id: String,
    pub name: String,
    /// `read`, `write`, `admin`.
    pub scopes: Vec<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<Timestamp>,
    pub revoked: bool,
}

impl From<&PersonalAccessToken> for TokenView {
    fn from(t: &PersonalAccessToken) -> TokenView {
        TokenView {
            id: t.id.clone(),
            name: t.name.clone(),
            scopes: t.scopes.clone(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            revoked: t.revoked_at.is_some(),
        }
    }
}

/// A token just created; `token` is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CreatedTokenView {
    #[serde(flatten)]
    pub info: TokenView,
    pub token: String,
}

/// A TOTP secret to put in an authenticator app, then confirm with a code.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TotpEnrolmentView {
    pub secret: String,
    pub otpauth_uri: String,
    /// The otpauth URI as a QR code: PNG, base64.
    pub qr_png_base64: String,
}

impl From<TotpEnrolment> for TotpEnrolmentView {
    fn from(e: TotpEnrolment) -> TotpEnrolmentView {
        TotpEnrolmentView {
            secret: e.secret,
            otpauth_uri: e.otpauth_uri,
            qr_png_base64: e.qr_png_base64,
        }
    }
}

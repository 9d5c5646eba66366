-- Identity beyond passwords: temporary-password expiry, verified emails, TOTP, sign-in
-- throttling, one-time codes, recovery codes, personal access tokens and identities from
-- external issuers. Times are Unix milliseconds.

-- A temporary password (admin-created user, reset) stops working at this instant.
ALTER TABLE users ADD COLUMN password_expires_at BIGINT;
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
-- Base32 TOTP secret; enrolment is pending until `totp_enabled_at` is set.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at BIGINT;
-- The last TOTP time step accepted, so that a code cannot be replayed.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- Failed sign-ins per normalised email, whether or not such a user exists, so that the
-- lockout reveals nothing about which emails have accounts.
CREATE TABLE login_failures (
    email        TEXT PRIMARY KEY,
    failures     BIGINT NOT NULL,
    locked_until BIGINT,
    updated_at   BIGINT NOT NULL
);

-- Codes sent by email (verify email, forgot password), stored hashed; one live code per
-- user and purpose.
CREATE TABLE one_time_codes (
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose       TEXT NOT NULL,
    code_hash     TEXT NOT NULL,
    expires_at    BIGINT NOT NULL,
    attempts_left BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (user_id, purpose)
);

CREATE TABLE recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE personal_access_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX personal_access_tokens_user ON personal_access_tokens (user_id);

-- A user first seen through an external issuer (Cognito, any OIDC provider).
CREATE TABLE external_identities (
    issuer     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);

-- Users that existed before were created by an administrator, who vouched for the email.
UPDATE users SET email_verified_at = created_at;

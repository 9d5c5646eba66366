-- Token signing keys and refresh tokens. Times are Unix milliseconds.

-- ES256 keys that sign access tokens. A retired key no longer signs but stays published
-- in the JWKS until the tokens it signed have expired.
CREATE TABLE signing_keys (
    kid             TEXT PRIMARY KEY,
    algorithm       TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    retired_at      BIGINT
);

-- Opaque refresh tokens, stored as SHA-256 hashes. Each use spends the token and issues a
-- new one in the same family; using a spent token revokes the whole family.
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    family_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_time  BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    revoked_at BIGINT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

//! One-time codes as an authenticator app computes them, for the tests that sign in with MFA.

/// The TOTP code of the base32 `secret` at `at`.
pub(crate) fn totp_code(secret: &str, at: jiff::Timestamp) -> String {
    let totp = totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).expect("base32"))
        .with_account_name("x")
        .build()
        .expect("totp");
    totp.generate(at.as_second() as u64).to_string()
}

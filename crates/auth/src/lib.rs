//! Identity: passwords, the bootstrap administrator, signing keys, access tokens, and the
//! sign-in flows (login with challenges, rotating refresh tokens, logout).

pub mod admin;
pub mod bootstrap;
pub mod clock;
pub mod external;
#[doc(hidden)]
pub mod fuzz_entry;
mod hashing;
pub mod jwt;
pub mod keys;
pub mod lockout;
pub mod mail;
pub mod mfa;
pub mod password;
pub mod pat;
pub mod policy;
pub mod principal;
pub mod recovery;
pub mod sealing;
pub mod service;
pub mod snooze_link;

//! Identity: passwords, the bootstrap administrator, signing keys, access tokens, and the
//! sign-in flows (login with challenges, rotating refresh tokens, logout).

pub mod bootstrap;
pub mod clock;
pub mod jwt;
pub mod keys;
pub mod password;
pub mod service;

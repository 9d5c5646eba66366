//! Identity: password hashing, and the bootstrap administrator. (Tokens, MFA and external
//! issuers arrive with the identity work.)

pub mod bootstrap;
pub mod password;

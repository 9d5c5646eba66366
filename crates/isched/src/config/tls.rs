//! Serving HTTPS directly, for deployments without a load balancer in front: a PEM
//! certificate chain and its private key. Either both files are given or neither.

use super::{Problem, Raw};
use std::path::PathBuf;

pub(super) const KEYS: &[&str] = &["tls_cert_file", "tls_key_file"];

/// Where the certificate chain and the key are; read when the server starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub(super) fn parse(raw: &Raw, problems: &mut Vec<Problem>) -> Option<TlsFiles> {
    let mut file = |key: &str| {
        let (value, source) = raw.get(key)?;
        let path = PathBuf::from(value.trim());
        if !path.is_file() {
            problems.push(Problem {
                key: source.to_owned(),
                message: format!("{} is not a readable file", path.display()),
            });
        }
        Some((path, source.to_owned()))
    };
    match (file("tls_cert_file"), file("tls_key_file")) {
        (Some((cert, _)), Some((key, _))) => Some(TlsFiles { cert, key }),
        (None, None) => None,
        (Some((_, source)), None) | (None, Some((_, source))) => {
            problems.push(Problem {
                key: source,
                message: "needs its partner: set both ISCHED_TLS_CERT_FILE and \
                          ISCHED_TLS_KEY_FILE, or neither"
                    .into(),
            });
            None
        }
    }
}

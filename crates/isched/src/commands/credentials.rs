//! Credentials of `isched login`, kept in the user's config directory
//! (`$XDG_CONFIG_HOME/isched/credentials.json`), readable by the user only (mode 0600).

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::PathBuf;

#[derive(Serialize, Deserialize)]
pub struct Credentials {
    /// Base URL of the isched server.
    pub url: String,
    pub email: Option<String>,
    /// A personal access token (`isched login --token`), or else a session's refresh
    /// token, which is rotated on every use.
    #[serde(with = "secret")]
    pub token: SecretString,
    pub kind: CredentialKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    RefreshToken,
    PersonalAccessToken,
}

mod secret {
    use secrecy::{ExposeSecret, SecretString};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(s: &SecretString, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(s.expose_secret())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<SecretString, D::Error> {
        String::deserialize(de).map(SecretString::from)
    }
}

pub fn path() -> anyhow::Result<PathBuf> {
    let dir = dirs::config_dir().context("no config directory (set XDG_CONFIG_HOME or HOME)")?;
    Ok(dir.join("isched").join("credentials.json"))
}

pub fn load() -> anyhow::Result<Credentials> {
    let path = path()?;
    let text = std::fs::read_to_string(&path)
        .map_err(|_| anyhow::anyhow!("not signed in: run `isched login` first"))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is damaged; run `isched login` again", path.display()))
}

/// Writes through a temporary file created with mode 0600 and renamed into place, so the
/// secret is never readable by others, not even briefly.
pub fn save(credentials: &Credentials) -> anyhow::Result<PathBuf> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = path()?;
    let dir = path.parent().expect("credentials path has a directory");
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = dir.join(format!(".credentials.{}.tmp", std::process::id()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    file.write_all(serde_json::to_string_pretty(credentials)?.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

pub fn remove() -> anyhow::Result<bool> {
    match std::fs::remove_file(path()?) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e.into()),
    }
}

impl Credentials {
    pub fn token(&self) -> &str {
        self.token.expose_secret()
    }
}

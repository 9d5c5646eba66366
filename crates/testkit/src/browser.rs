//! Real headless Chromium driven through chromedriver (WebDriver), for tests of the pages
//! isched serves. Each browser gets its own chromedriver on a free port and a fresh
//! profile. Screenshots go to `target/screenshots/` so that a person can look at them.

use crate::python::{ChildGuard, free_port, start_server};
use std::path::PathBuf;

pub struct Browser {
    pub client: fantoccini::Client,
    _driver: ChildGuard,
    _profile: tempfile::TempDir,
}

fn chromedriver() -> Option<PathBuf> {
    let path = std::env::var_os("ISCHED_CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"));
    path.exists().then_some(path)
}

impl Browser {
    /// A headless Chromium, or None when chromedriver is not installed here (the test is
    /// skipped; under `CI=true` that fails instead: ./scripts/test installs it).
    pub async fn start() -> Option<Browser> {
        Browser::start_with(&[]).await
    }

    /// A headless Chromium that reaches loopback addresses only: every host name fails to
    /// resolve and every other address goes to a proxy that is not there, as on a machine
    /// with no network.
    pub async fn start_offline() -> Option<Browser> {
        Browser::start_with(&[
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1".to_owned(),
            format!("--proxy-server=http://127.0.0.1:{}", free_port()),
            "--proxy-bypass-list=127.0.0.1".to_owned(),
        ])
        .await
    }

    async fn start_with(extra: &[String]) -> Option<Browser> {
        let Some(driver) = chromedriver() else {
            assert!(
                !crate::db::in_ci(),
                "chromedriver is required under CI=true (./scripts/test installs chromium and chromium-driver)"
            );
            eprintln!(
                "chromedriver not found: browser test skipped (run ./scripts/test to install it)"
            );
            return None;
        };
        let port = free_port();
        let guard = start_server(driver, &[format!("--port={port}")], port, "chromedriver");
        let profile = tempfile::tempdir().expect("browser profile");
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--window-size=1000,700".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        args.extend_from_slice(extra);
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "args": args }),
        );
        // Plain HTTP: chromedriver listens on loopback only.
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = fantoccini::ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a chromedriver session");
        Some(Browser {
            client,
            _driver: guard,
            _profile: profile,
        })
    }

    /// Saves a screenshot of the page as `target/screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

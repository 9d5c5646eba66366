//! HTTPS served by isched itself: with a generated certificate and key, `/health` and the
//! sign-in page answer over TLS to a client that trusts the certificate, plain HTTP on the
//! same port gets no answer, `isched health` finds the server healthy, and a file that is
//! not a certificate stops the server with the file named.

use isched::config::{Config, TlsFiles};
use secrecy::SecretString;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Files {
    dir: tempfile::TempDir,
    cert_pem: String,
}

impl Files {
    fn generate() -> Files {
        let dir = tempfile::tempdir().expect("tmp");
        let generated =
            rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
                .expect("a certificate");
        let cert_pem = generated.cert.pem();
        std::fs::write(dir.path().join("cert.pem"), &cert_pem).expect("write cert");
        std::fs::write(
            dir.path().join("key.pem"),
            generated.signing_key.serialize_pem(),
        )
        .expect("write key");
        Files { dir, cert_pem }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn config(&self, cert: &Path) -> Config {
        let mut config = Config::defaults();
        config.database_url = SecretString::from(format!(
            "sqlite://{}",
            self.dir.path().join("isched.db").display()
        ));
        config.admin_password = Some(SecretString::from("a-long-enough-password"));
        config.sandbox.demo = false;
        config.scheduler_enabled = false;
        config.tls = Some(TlsFiles {
            cert: cert.to_owned(),
            key: self.path("key.pem"),
        });
        config
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_https_with_the_configured_certificate() {
    let files = Files::generate();
    let config = files.config(&files.path("cert.pem"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let running = isched::app::start(&config, listener, std::future::pending())
        .await
        .expect("isched starts with TLS");
    let address = running.address;
    assert_eq!(running.url, format!("https://{address}"));

    let trusting = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(files.cert_pem.as_bytes()).expect("pem")])
        .build()
        .expect("client");
    let health = trusting
        .get(format!("https://{address}/health"))
        .send()
        .await
        .expect("an answer over TLS");
    assert_eq!(health.status(), 200);
    let page = trusting
        .get(format!("https://{address}/"))
        .send()
        .await
        .expect("the sign-in page over TLS");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("body").contains("Sign in"));

    let plain = reqwest::Client::new()
        .get(format!("http://{address}/health"))
        .timeout(std::time::Duration::from_secs(5))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP is not served: {plain:?}");

    let probe = Command::new(env!("CARGO_BIN_EXE_isched"))
        .arg("health")
        .env_remove("ISCHED_CONFIG")
        .env("ISCHED_LISTEN", address.to_string())
        .env("ISCHED_TLS_CERT_FILE", files.path("cert.pem"))
        .env("ISCHED_TLS_KEY_FILE", files.path("key.pem"))
        .output()
        .expect("isched health runs");
    let said = String::from_utf8_lossy(&probe.stdout);
    assert!(probe.status.success(), "{said}");
    assert!(
        said.starts_with(&format!("https://{address}/health/components: 200")),
        "{said}"
    );
    running.shutdown().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_is_not_a_certificate_stops_the_server_with_its_name() {
    let files = Files::generate();
    let bogus = files.path("bogus.pem");
    std::fs::write(
        &bogus,
        "-----BEGIN NONSENSE-----\nabc\n-----END NONSENSE-----\n",
    )
    .expect("write");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let error =
        match isched::app::start(&files.config(&bogus), listener, std::future::pending()).await {
            Ok(_) => panic!("a bogus certificate must not start a server"),
            Err(e) => e.to_string(),
        };
    assert!(error.contains("bogus.pem"), "{error}");
    assert!(!error.contains("PRIVATE KEY"), "{error}");
}

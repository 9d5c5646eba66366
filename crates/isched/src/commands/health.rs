//! `isched health`: asks the server this configuration describes for
//! `/health/components`, for a container's HEALTHCHECK (the image has no shell and no
//! curl). Exit 0 when it answers healthy, 1 otherwise: no answer, or a required component
//! down (a database that does not answer or cannot be written, such as on a full disk).

use crate::config::Config;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::process::ExitCode;

pub fn run(config_file: Option<&Path>) -> ExitCode {
    let config = match super::load_config(config_file) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    super::block_on(async move {
        let url = health_url(&config);
        // The certificate names the public host, not the loopback address probed here.
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(4))
            .tls_danger_accept_invalid_certs(config.tls.is_some())
            .build()?;
        let response = client
            .get(&url)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("{url}: no answer ({e})"))?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        println!("{url}: {}", status.as_u16());
        match serde_json::from_str::<serde_json::Value>(&body) {
            Ok(v) => {
                for c in v["components"].as_array().into_iter().flatten() {
                    let s = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
                    println!("  {}: {} ({})", s("name"), s("status"), s("detail"));
                }
            }
            Err(_) => println!("  {}", body.trim()),
        }
        Ok(if status.is_success() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
}

/// Where this host reaches its own server: the listen address, with a wildcard address
/// replaced by loopback.
fn health_url(config: &Config) -> String {
    let address = match config.listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), config.listen.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), config.listen.port())
        }
        _ => config.listen,
    };
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{address}/health/components")
}

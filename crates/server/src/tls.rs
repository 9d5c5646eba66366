//! HTTPS served by isched itself (rustls), for deployments without a load balancer or
//! ingress in front to end TLS. Handshakes run concurrently and time out (tls-listener), so
//! a slow or silent client cannot hold up other connections.

use axum::Router;
use axum::serve::ListenerExt;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use tls_listener::rustls::TlsAcceptor;
use tls_listener::rustls::rustls::ServerConfig;
use tls_listener::rustls::rustls::crypto::ring;
use tokio::net::TcpListener;

/// Why the certificate or key could not be used; names the file, never its contents.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TlsError(String);

/// A TLS server configuration from a PEM certificate chain (leaf first) and a PEM private
/// key (PKCS#8, PKCS#1 or SEC1).
pub fn server_config(cert_file: &Path, key_file: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let certs = CertificateDer::pem_file_iter(cert_file)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            TlsError(format!(
                "{}: not a PEM certificate chain: {e}",
                cert_file.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(TlsError(format!(
            "{}: holds no certificate",
            cert_file.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(key_file).map_err(|e| {
        TlsError(format!(
            "{}: not a PEM private key: {e}",
            key_file.display()
        ))
    })?;
    // One named provider: with several in the dependency tree, rustls will not pick one.
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError(format!("TLS settings: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            TlsError(format!(
                "{} and {} do not make a usable certificate and key: {e}",
                cert_file.display(),
                key_file.display()
            ))
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// As [`crate::serve`], over TLS.
pub async fn serve_tls(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener =
        tls_listener::TlsListener::new(TlsAcceptor::from(tls), listener).tap_io(|stream| {
            if let Err(e) = stream.get_ref().0.set_nodelay(true) {
                tracing::debug!(error = %e, "TCP_NODELAY could not be set");
            }
        });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

//! moto's AWS API server on a free loopback port, for tests of the AWS provider.

use crate::python::{ChildGuard, free_port, start_server, venv_bin};

pub struct Moto {
    /// Pass as `AWS_ENDPOINT_URL`.
    pub endpoint: String,
    _child: ChildGuard,
}

impl Moto {
    /// Starts a fresh moto server; it is stopped when this is dropped.
    pub fn start() -> Moto {
        let port = free_port();
        let child = start_server(
            venv_bin("moto_server"),
            &[
                "-H".into(),
                "127.0.0.1".into(),
                "-p".into(),
                port.to_string(),
            ],
            port,
            "moto_server",
        );
        Moto {
            endpoint: format!("http://127.0.0.1:{port}"),
            _child: child,
        }
    }
}

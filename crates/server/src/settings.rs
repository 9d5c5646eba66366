use axum::http::HeaderValue;
use std::time::Duration;

/// What the HTTP layer needs from configuration.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// Origins allowed to call the API from a browser; empty means CORS is closed.
    pub cors_allowed_origins: Vec<HeaderValue>,
    pub request_timeout: Duration,
    pub body_limit_bytes: usize,
    /// Sign-in requests per client IP per minute.
    pub auth_rate_limit_per_minute: u32,
    /// Proxies (load balancers) whose `X-Forwarded-For` names the client; empty: none.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            cors_allowed_origins: Vec::new(),
            request_timeout: Duration::from_secs(30),
            body_limit_bytes: 1024 * 1024,
            auth_rate_limit_per_minute: 60,
            trusted_proxies: Vec::new(),
        }
    }
}

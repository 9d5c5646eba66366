//! Per-client-IP rate limit on the sign-in routes (governor's GCRA), on isched's clock so
//! that tests can move time. Complements the per-account lockout: the lockout stops
//! guessing one password, this stops one client spraying many accounts.

use crate::error::ApiError;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock as GovernorClock, Reference};
use governor::nanos::Nanos;
use governor::{
    Quota, RateLimiter, middleware::NoOpMiddleware, state::keyed::DefaultKeyedStateStore,
};
use isched_auth::clock::Clock;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

/// isched's clock as governor sees it: nanoseconds since the Unix epoch.
#[derive(Clone)]
pub(crate) struct WallClock(pub Clock);

impl GovernorClock for WallClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        let ns = self.0.now().as_nanosecond().max(0);
        Nanos::from(u64::try_from(ns).unwrap_or(u64::MAX))
    }
}

type Limiter =
    RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, WallClock, NoOpMiddleware<Nanos>>;

/// The answer to a client over the limit, given the seconds until it may try again.
pub type RateLimitedAnswer = fn(u64) -> Response;

#[derive(Clone)]
pub(crate) struct AuthRateLimit {
    limiter: Arc<Limiter>,
    clock: WallClock,
    checks: Arc<std::sync::atomic::AtomicU64>,
    answer: RateLimitedAnswer,
    /// Proxies whose `X-Forwarded-For` names the client.
    trusted: Arc<[ipnet::IpNet]>,
}

/// The API's answer: a 429 with the error envelope and `Retry-After`.
fn api_answer(secs: u64) -> Response {
    ApiError::too_many_requests(
        "too many sign-in requests from this address; slow down",
        secs,
    )
    .into_response()
}

impl AuthRateLimit {
    /// `per_minute` requests per client IP, all of which may come at once.
    pub(crate) fn new(
        per_minute: NonZeroU32,
        clock: Clock,
        trusted: &[ipnet::IpNet],
    ) -> AuthRateLimit {
        let clock = WallClock(clock);
        let limiter = RateLimiter::dashmap_with_clock(Quota::per_minute(per_minute), clock.clone());
        AuthRateLimit {
            limiter: Arc::new(limiter),
            clock,
            checks: Arc::default(),
            answer: api_answer,
            trusted: trusted.into(),
        }
    }

    /// The same allowance per client, answering with `answer` (a page for browsers).
    pub(crate) fn answering(&self, answer: RateLimitedAnswer) -> AuthRateLimit {
        AuthRateLimit {
            answer,
            ..self.clone()
        }
    }
}

pub(crate) async fn limit(
    State(limit): State<AuthRateLimit>,
    request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    let ip = super::client_ip::client_ip(peer, request.headers(), &limit.trusted);
    // Forget clients whose allowance is full again, so the table stays as small as the
    // set of recent clients.
    if limit
        .checks
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        % 4096
        == 4095
    {
        limit.limiter.retain_recent();
        limit.limiter.shrink_to_fit();
    }
    match limit.limiter.check_key(&ip) {
        Ok(()) => next.run(request).await,
        Err(not_until) => {
            let wait = not_until
                .earliest_possible()
                .duration_since(limit.clock.now());
            let secs = std::time::Duration::from(wait).as_secs_f64().ceil() as u64;
            metrics::counter!("isched_auth_rate_limited_total").increment(1);
            (limit.answer)(secs)
        }
    }
}

//! What the fuzz targets in `fuzz/` run, and what the test suite replays on the corpus kept
//! in `fuzz/corpus/` (`testkit/tests/it/fuzz_corpus.rs`): each function takes arbitrary
//! bytes (a token, a JWK set, a snooze link's query as a request would bring them) and must
//! return, never panic.

use crate::keys::KeyRing;
use crate::snooze_link::Snooze;
use jiff::Timestamp;
use std::sync::OnceLock;

const ISSUER: &str = "https://isched.example.com";

fn now() -> Timestamp {
    Timestamp::from_second(1_800_000_000).expect("in range")
}

/// One key ring for the whole run (generating a P-256 key per input would dominate).
fn ring() -> &'static KeyRing {
    static RING: OnceLock<KeyRing> = OnceLock::new();
    RING.get_or_init(|| KeyRing::in_memory(now()))
}

/// A bearer token as the API receives it.
pub fn jwt(data: &[u8]) {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let _ = crate::jwt::verify(ring(), token, ISSUER, ISSUER, "access", now());
}

/// An external issuer's JWK set, as its `jwks_url` answers.
pub fn jwks(data: &[u8]) {
    let _ = crate::external::usable_keys(data);
}

/// A snooze link's query (`r=...&s=...&u=...&sig=...`), checked against a fixed key.
pub fn snooze(data: &[u8]) {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    let field = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
    };
    let (Some(r), Some(s), Some(u), Some(sig)) = (field("r"), field("s"), field("u"), field("sig"))
    else {
        return;
    };
    let (Ok(s), Ok(u)) = (s.parse::<i64>(), u.parse::<i64>()) else {
        return;
    };
    let _ = Snooze::verify(r, s, u, sig, b"fuzzing key", now());
}

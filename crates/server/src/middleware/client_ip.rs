//! The client's address behind proxies the operator trusts. Off by default: the TCP peer is
//! the client. With `trusted_proxies` (CIDRs) set, a request whose peer is one of them is
//! attributed to the right-most address in `X-Forwarded-For` that is not itself trusted —
//! the nearest hop no trusted proxy vouches beyond. Anything unreadable in the header means
//! the peer is used: a client cannot choose its own bucket by writing the header.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::IpAddr;

pub(crate) fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if trusted.is_empty() || !is_trusted(&peer) {
        return peer;
    }
    let mut hops = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let Ok(text) = value.to_str() else {
            return peer;
        };
        for part in text.split(',') {
            match part.trim().parse::<IpAddr>() {
                Ok(ip) => hops.push(ip),
                Err(_) => return peer,
            }
        }
    }
    // From the nearest hop outwards, past the proxies we trust.
    hops.into_iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().expect("header"));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn the_peer_is_the_client_unless_it_is_a_trusted_proxy() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().expect("cidr")];
        let xff = headers(&["198.51.100.7"]);
        assert_eq!(
            client_ip(ip("203.0.113.1"), &xff, &trusted),
            ip("203.0.113.1")
        );
        assert_eq!(
            client_ip(ip("10.1.2.3"), &xff, &[]),
            ip("10.1.2.3"),
            "off by default"
        );
        assert_eq!(
            client_ip(ip("10.1.2.3"), &xff, &trusted),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn the_right_most_untrusted_hop_wins_and_garbage_means_the_peer() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().expect("cidr")];
        // A client that writes its own header cannot pick its address: the hop the
        // trusted proxy saw is to the right of it.
        let spoofed = headers(&["1.2.3.4, 198.51.100.7, 10.0.0.9"]);
        assert_eq!(
            client_ip(ip("10.1.2.3"), &spoofed, &trusted),
            ip("198.51.100.7")
        );
        let split = headers(&["1.2.3.4", "198.51.100.7"]);
        assert_eq!(
            client_ip(ip("10.1.2.3"), &split, &trusted),
            ip("198.51.100.7")
        );
        let garbage = headers(&["198.51.100.7, not-an-ip"]);
        assert_eq!(
            client_ip(ip("10.1.2.3"), &garbage, &trusted),
            ip("10.1.2.3")
        );
        let only_proxies = headers(&["10.0.0.5"]);
        assert_eq!(
            client_ip(ip("10.1.2.3"), &only_proxies, &trusted),
            ip("10.1.2.3")
        );
    }
}

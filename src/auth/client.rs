//! Where a request came from: the peer, or behind trusted proxies the right-most
//! `X-Forwarded-For` address that is not a trusted proxy.

use crate::config::TrustedProxies;
use actix_web::HttpRequest;
use std::net::{IpAddr, SocketAddr};

/// The client's address.
pub fn client_ip(req: &HttpRequest, proxies: &TrustedProxies) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let hops = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok());
    Some(walk_forwarded(peer, hops, proxies))
}

/// Each proxy appends the address it received the request from, so only the
/// right-hand end of the list was written by proxies we trust: everything left of
/// the first untrusted address is whatever the client chose to send. A hop that is
/// not an address ends the walk at the last trusted one.
fn walk_forwarded<'a>(
    peer: IpAddr,
    headers: impl DoubleEndedIterator<Item = &'a str>,
    proxies: &TrustedProxies,
) -> IpAddr {
    let mut client = peer;
    if !proxies.contains(client) {
        return client;
    }
    // Several headers are one list, in order.
    for header in headers.rev() {
        for hop in header.rsplit(',') {
            let Some(ip) = parse_hop(hop) else {
                return client;
            };
            client = ip;
            if !proxies.contains(ip) {
                return client;
            }
        }
    }
    client
}

/// An address as proxies write it: `1.2.3.4`, `2001:db8::1`, optionally with a port
/// (`1.2.3.4:80`, `[2001:db8::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// Whether the request reached us over HTTPS, directly or through a trusted proxy.
pub fn is_https(req: &actix_web::dev::ServiceRequest, proxies: &TrustedProxies) -> bool {
    if req.connection_info().scheme() == "https" && req.app_config().secure() {
        return true;
    }
    let from_proxy = req.peer_addr().is_some_and(|p| proxies.contains(p.ip()));
    from_proxy
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(peer: &str, headers: &[&str], trusted: &[&str]) -> String {
        let proxies = TrustedProxies::parse(trusted).unwrap();
        walk_forwarded(peer.parse().unwrap(), headers.iter().copied(), &proxies).to_string()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        assert_eq!(client("8.8.8.8", &["1.1.1.1"], &["10.0.0.0/8"]), "8.8.8.8");
    }

    #[test]
    fn the_right_most_untrusted_address_is_the_client() {
        let trusted = ["10.0.0.0/8"];
        // The client forged "6.6.6.6"; the proxy appended the address it saw.
        assert_eq!(
            client("10.0.0.1", &["6.6.6.6, 203.0.113.7"], &trusted),
            "203.0.113.7"
        );
        assert_eq!(
            client("10.0.0.1", &["6.6.6.6, 203.0.113.7, 10.0.0.2"], &trusted),
            "203.0.113.7"
        );
        assert_eq!(
            client(
                "10.0.0.1",
                &["6.6.6.6", "203.0.113.7:4711, 10.0.0.2"],
                &trusted
            ),
            "203.0.113.7"
        );
        assert_eq!(
            client("10.0.0.1", &["[2001:db8::7]:443"], &trusted),
            "2001:db8::7"
        );
    }

    #[test]
    fn all_trusted_or_garbage_stops_at_the_last_trusted_address() {
        let trusted = ["10.0.0.0/8"];
        assert_eq!(
            client("10.0.0.1", &["10.0.0.3, 10.0.0.2"], &trusted),
            "10.0.0.3"
        );
        assert_eq!(
            client("10.0.0.1", &["1.1.1.1, junk, 10.0.0.2"], &trusted),
            "10.0.0.2"
        );
        assert_eq!(client("10.0.0.1", &[], &trusted), "10.0.0.1");
    }
}

//! Where a request came from: the peer, or the first `X-Forwarded-For` hop when the
//! peer is a trusted proxy (CONTRACT §7).

use crate::config::TrustedProxies;
use actix_web::HttpRequest;
use std::net::IpAddr;

/// The client's address.
pub fn client_ip(req: &HttpRequest, proxies: &TrustedProxies) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !proxies.contains(peer) {
        return Some(peer);
    }
    req.headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .and_then(|hop| hop.trim().parse().ok())
        .or(Some(peer))
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

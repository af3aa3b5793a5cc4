//! Who is at the other end of a request. Behind a reverse proxy the connection comes from the
//! proxy, which names the client in `X-Forwarded-For` and the scheme in `X-Forwarded-Proto`;
//! anyone can write those headers, so they are believed only from the proxies the operator
//! configured ([`crate::Settings::trusted_proxies`]).

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;

use crate::AppState;
use crate::web::session::Tls;

/// The address the connection comes from, if the server knows it.
fn peer(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// Whether the request comes from one of the configured reverse proxies.
pub(crate) fn from_proxy(state: &AppState, parts: &Parts) -> bool {
    peer(parts).is_some_and(|p| state.trusted_proxies.contains(&p))
}

/// The client's address: the peer's, or, from a trusted proxy, the last address in
/// `X-Forwarded-For` that is not itself a trusted proxy (the ones before it were written by
/// whoever connected to the proxy, and prove nothing).
pub fn address(state: &AppState, parts: &Parts) -> Option<IpAddr> {
    let peer = peer(parts);
    if !from_proxy(state, parts) {
        return peer;
    }
    let forwarded = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    forwarded
        .into_iter()
        .rev()
        .find(|a| !state.trusted_proxies.contains(a))
        .or(peer)
}

/// Whether the request came over TLS: served so, or through a trusted proxy that says it was.
pub fn over_tls(state: &AppState, parts: &Parts) -> bool {
    parts.extensions.get::<Tls>().is_some()
        || (from_proxy(state, parts)
            && parts
                .headers
                .get("x-forwarded-proto")
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https")))
}

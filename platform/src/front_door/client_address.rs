//! The client's address behind a reverse proxy or load balancer. `X-Forwarded-For` is
//! believed only when the connection comes from a configured trusted proxy (anyone else could
//! write any address there and so pick their own throttle key); then the client is the last
//! address in the header that is not itself a trusted proxy.

use std::net::IpAddr;

use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` is believed (configuration `trusted_proxies`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses a comma-separated list of addresses and networks (`10.0.0.0/8, 127.0.0.1`).
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        let mut nets = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let net = match item.parse::<IpNet>() {
                Ok(n) => n,
                Err(_) => item
                    .parse::<IpAddr>()
                    .map(IpNet::from)
                    .map_err(|_| format!("trusted_proxies: {item:?} is not an IP address or network"))?,
            };
            nets.push(net);
        }
        Ok(TrustedProxies(nets))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, as dual-stack listeners report) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The address to count a request's attempts against: the peer, or — when the peer is a
/// trusted proxy — the nearest untrusted address its `X-Forwarded-For` values name.
pub fn client_address<'a>(peer: IpAddr, forwarded_for: impl IntoIterator<Item = &'a str>, trusted: &TrustedProxies) -> IpAddr {
    if !trusted.trusts(peer) {
        return canonical(peer);
    }
    let hops: Vec<IpAddr> = forwarded_for.into_iter().flat_map(|v| v.split(',')).filter_map(|s| s.trim().parse::<IpAddr>().ok()).collect();
    hops.iter().rev().copied().find(|ip| !trusted.trusts(*ip)).or_else(|| hops.first().copied()).map(canonical).unwrap_or(canonical(peer))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = TrustedProxies::parse("10.0.0.0/8, 127.0.0.1").unwrap();
        // Not a proxy: the header is whatever the client wrote.
        assert_eq!(client_address(ip("203.0.113.9"), ["1.2.3.4"], &trusted), ip("203.0.113.9"));
        // Through the balancer: the client it saw.
        assert_eq!(client_address(ip("127.0.0.1"), ["198.51.100.7"], &trusted), ip("198.51.100.7"));
        // A spoofed first hop does not help: the last untrusted hop counts.
        assert_eq!(client_address(ip("10.1.1.1"), ["6.6.6.6, 198.51.100.7, 10.2.2.2"], &trusted), ip("198.51.100.7"));
        assert_eq!(client_address(ip("10.1.1.1"), ["6.6.6.6", "198.51.100.7"], &trusted), ip("198.51.100.7"), "several headers");
        // No header, or only garbage: the proxy itself.
        assert_eq!(client_address(ip("10.1.1.1"), [], &trusted), ip("10.1.1.1"));
        assert_eq!(client_address(ip("10.1.1.1"), ["<script>, unknown"], &trusted), ip("10.1.1.1"));
        assert_eq!(client_address(ip("::ffff:127.0.0.1"), ["198.51.100.7"], &trusted), ip("198.51.100.7"), "mapped IPv4");
        // Nothing trusted by default.
        assert_eq!(client_address(ip("127.0.0.1"), ["198.51.100.7"], &TrustedProxies::default()), ip("127.0.0.1"));
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.example").is_err());
        assert_eq!(TrustedProxies::parse(" ").unwrap(), TrustedProxies::default());
    }
}

//! `server.trusted_proxies`: addresses and CIDR ranges whose `X-Forwarded-*` headers
//! are believed.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    fn parse(s: &str) -> Result<Cidr, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let net: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not an IP address or CIDR range"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?} has an invalid prefix length"))?,
            None => max,
        };
        Ok(Cidr { net, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// The proxies whose forwarding headers are trusted; empty by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    text: Vec<String>,
    ranges: Vec<Cidr>,
}

impl TrustedProxies {
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<Self, String> {
        let mut out = TrustedProxies::default();
        for item in items {
            out.ranges.push(Cidr::parse(item.as_ref())?);
            out.text.push(item.as_ref().trim().to_owned());
        }
        Ok(out)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.ranges.iter().any(|r| r.contains(ip))
    }
}

impl<'de> Deserialize<'de> for TrustedProxies {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let items = super::lenient::list(d)?;
        TrustedProxies::parse(&items).map_err(serde::de::Error::custom)
    }
}

impl Serialize for TrustedProxies {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.text.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_match_addresses_inside_them_only() {
        let p = TrustedProxies::parse(&["10.0.0.0/8", "192.168.1.5", "fd00::/8"]).unwrap();
        assert!(p.contains("10.1.2.3".parse().unwrap()));
        assert!(p.contains("192.168.1.5".parse().unwrap()));
        assert!(!p.contains("192.168.1.6".parse().unwrap()));
        assert!(p.contains("fd12::1".parse().unwrap()));
        assert!(p.contains("::ffff:10.9.9.9".parse().unwrap()));
        assert!(!p.contains("11.0.0.1".parse().unwrap()));
    }

    #[test]
    fn bad_entries_are_refused() {
        assert!(TrustedProxies::parse(&["10.0.0.0/33"]).is_err());
        assert!(TrustedProxies::parse(&["proxy.local"]).is_err());
        assert!(
            TrustedProxies::parse(&["0.0.0.0/0"])
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
    }
}

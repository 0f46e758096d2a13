//! The CSRF rule for writes authenticated by the web session cookie. Token headers cannot
//! be sent by another site's page, but a cookie rides along with any request, so a
//! cookie-authenticated write must come from one of this site's own pages:
//! `Sec-Fetch-Site: same-origin` (all current browsers send it); where it is missing, an
//! `Origin` naming this site (the configured external URL or the request's `Host`).
//! `Referer` is not accepted: every browser that lacks `Sec-Fetch-Site` sends `Origin` on a
//! POST, and a Referer can be absent or rewritten by privacy settings.

/// The request headers the rule reads (surfaces pass them from their own header type).
#[derive(Debug, Default, Clone, Copy)]
pub struct OriginHeaders<'a> {
    pub sec_fetch_site: Option<&'a str>,
    pub origin: Option<&'a str>,
    pub host: Option<&'a str>,
}

/// Why a write was refused (for the log; the caller answers 403).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cross-site write refused: {0}")]
pub struct CrossSite(pub String);

/// Whether a cookie-authenticated write may proceed.
pub fn check_same_origin(h: OriginHeaders<'_>, external_url: &str) -> Result<(), CrossSite> {
    if let Some(site) = h.sec_fetch_site {
        return if site == "same-origin" { Ok(()) } else { Err(CrossSite(format!("Sec-Fetch-Site: {site}"))) };
    }
    let Some(origin) = h.origin else { return Err(CrossSite("no Origin or Sec-Fetch-Site".into())) };
    let origin = origin.trim_end_matches('/');
    let host_matches = h
        .host
        .is_some_and(|host| origin.split_once("://").is_some_and(|(scheme, rest)| (scheme == "http" || scheme == "https") && rest == host));
    if origin == external_url.trim_end_matches('/') || host_matches {
        Ok(())
    } else {
        Err(CrossSite(format!("Origin: {origin}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(site: Option<&str>, origin: Option<&str>, host: Option<&str>) -> bool {
        check_same_origin(OriginHeaders { sec_fetch_site: site, origin, host }, "https://berth.example/").is_ok()
    }

    #[test]
    fn writes_must_come_from_this_site() {
        assert!(check(Some("same-origin"), None, None));
        assert!(!check(Some("cross-site"), Some("https://berth.example"), None), "Sec-Fetch-Site wins");
        assert!(!check(Some("same-site"), None, None));
        assert!(check(None, Some("https://berth.example"), None));
        assert!(check(None, Some("http://127.0.0.1:3000"), Some("127.0.0.1:3000")));
        assert!(!check(None, Some("https://evil.example"), Some("berth.example")));
        assert!(!check(None, Some("https://berth.example.evil.org"), None));
        assert!(!check(None, Some("null"), None));
        assert!(!check(None, None, Some("berth.example")), "no Referer fallback");
        assert!(!check(None, Some("javascript://berth.example"), Some("berth.example")));
    }
}

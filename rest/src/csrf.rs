//! CSRF protection for REST calls authenticated by the web session cookie (spec: rest-api.md).
//! Token headers cannot be sent by another site's page, but a cookie rides along with any
//! request, so a cookie-authenticated write must come from one of this site's own pages:
//! `Sec-Fetch-Site: same-origin` (all current browsers send it), or else an `Origin` (or,
//! failing that, a `Referer`) naming this site — the configured external URL or the
//! request's `Host`. The same rule as the UI's server functions (app/src/server_fns/ctx.rs).

use axum::http::HeaderMap;

/// Whether a cookie-authenticated write may proceed.
pub fn is_same_origin(headers: &HeaderMap, external_url: &str) -> bool {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = get("sec-fetch-site") {
        return site == "same-origin";
    }
    let origin = match (get("origin"), get("referer")) {
        (Some(origin), _) => origin.trim_end_matches('/').to_string(),
        (None, Some(referer)) => origin_of(referer),
        (None, None) => return false,
    };
    let external = external_url.trim_end_matches('/');
    let host_matches = get("host").is_some_and(|host| {
        origin.split_once("://").is_some_and(|(scheme, rest)| (scheme == "http" || scheme == "https") && rest == host)
    });
    origin == external || host_matches
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{}", rest.split(['/', '?', '#']).next().unwrap_or("")),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn writes_must_come_from_this_site() {
        let ext = "https://berth.example";
        assert!(is_same_origin(&headers(&[("sec-fetch-site", "same-origin")]), ext));
        assert!(!is_same_origin(&headers(&[("sec-fetch-site", "cross-site"), ("origin", "https://berth.example")]), ext));
        assert!(is_same_origin(&headers(&[("origin", "https://berth.example")]), ext));
        assert!(is_same_origin(&headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]), ext));
        assert!(!is_same_origin(&headers(&[("origin", "https://evil.example"), ("host", "berth.example")]), ext));
        assert!(is_same_origin(&headers(&[("referer", "https://berth.example/acme/app/-/settings")]), ext));
        assert!(!is_same_origin(&headers(&[("referer", "https://berth.example.evil.org/x")]), ext));
        assert!(!is_same_origin(&headers(&[("origin", "null"), ("referer", "https://berth.example/")]), ext));
        assert!(!is_same_origin(&headers(&[]), ext));
    }
}

//! The web session cookie: its name, reading it from `Cookie` headers and the `Set-Cookie`
//! value that stores it.

pub const SESSION_COOKIE: &str = "berth_session";

/// The session secret from the values of a request's `Cookie` headers (None when absent or
/// empty).
pub fn session_secret<'a>(cookie_headers: impl IntoIterator<Item = &'a str>) -> Option<String> {
    cookie_headers
        .into_iter()
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty())
}

/// The `Set-Cookie` value that stores a session secret (`max_age_secs` 0 clears it).
pub fn set_cookie_value(secret: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_among_other_cookies() {
        assert_eq!(session_secret(["a=1; berth_session=abc; b=2"]), Some("abc".into()));
        assert_eq!(session_secret(["a=1", "berth_session=xyz"]), Some("xyz".into()));
        assert_eq!(session_secret(["berth_session="]), None);
        assert_eq!(session_secret(["berth_sessionx=1"]), None);
        assert_eq!(session_secret([]), None);
        assert!(set_cookie_value("s", 0, true).ends_with("Max-Age=0; Secure"));
    }
}

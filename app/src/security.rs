//! The Content-Security-Policy of the HTML pages. The only inline scripts are Leptos' own
//! (the hydration bootstrap and the resource data), and both carry the per-request nonce
//! that leptos_axum provides; everything else comes from our own origin. WebAssembly needs
//! `'wasm-unsafe-eval'` to compile.

/// The policy for a page whose inline scripts carry `nonce` (None: no inline script runs).
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let script = match nonce {
        Some(n) => format!("script-src 'self' 'nonce-{n}' 'wasm-unsafe-eval'"),
        None => "script-src 'self' 'wasm-unsafe-eval'".to_string(),
    };
    [
        "default-src 'self'",
        &script,
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    .join("; ")
}

/// On the server, while rendering a page: sets the page's policy with this response's nonce.
#[cfg(feature = "ssr")]
pub fn set_page_policy() {
    use leptos::prelude::use_context;
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else { return };
    let nonce = leptos::nonce::use_nonce();
    let policy = content_security_policy(nonce.as_deref());
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::content_security_policy;

    #[test]
    fn inline_scripts_need_the_nonce_and_framing_is_refused() {
        let p = content_security_policy(Some("abc"));
        assert!(p.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'"), "{p}");
        assert!(!p.contains("unsafe-inline"), "{p}");
        assert!(p.contains("frame-ancestors 'none'"), "{p}");
        let none = content_security_policy(None);
        assert!(!none.contains("nonce-"), "{none}");
    }
}

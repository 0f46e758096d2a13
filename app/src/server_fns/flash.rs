//! One-time notices across a plain form post. Without JavaScript a form posts to its server
//! function and the browser is sent back to the page, which is rendered afresh: the action's
//! result is gone. So a server function called by a plain form post leaves its notice (a
//! saved message, a new token's secret to show once) in a short-lived cookie that the page
//! takes — and clears — when it next loads. With JavaScript the page shows the action's
//! result itself and no cookie is set.

use http::header;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::server_fns::tokens::NewToken;

const FLASH_COOKIE: &str = "berth_flash";

/// What a page can be told once after a plain form post.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Flash {
    CleanupSaved,
    SettingsSaved,
    TokenCreated(NewToken),
}

/// Whether the current server function call is a plain form post (no JavaScript): the
/// browser asks for HTML, the server function client never does.
pub fn is_plain_form_post() -> bool {
    use_context::<http::request::Parts>()
        .is_some_and(|p| p.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html")))
}

/// Leaves `flash` for the next page load, if this call is a plain form post.
pub fn leave(flash: &Flash) {
    if !is_plain_form_post() {
        return;
    }
    let Ok(json) = serde_json::to_string(flash) else { return };
    let value: String = form_urlencoded::byte_serialize(json.as_bytes()).collect();
    super::ctx::set_cookie(&format!("{FLASH_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=120"));
}

/// The notice left for this page load, if any (and clears it).
pub fn take() -> Option<Flash> {
    let parts = use_context::<http::request::Parts>()?;
    let raw = parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == FLASH_COOKIE)
        .map(|(_, value)| value.to_string())?;
    super::ctx::set_cookie(&format!("{FLASH_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"));
    let json: String = form_urlencoded::parse(format!("v={raw}").as_bytes()).next().map(|(_, v)| v.into_owned())?;
    serde_json::from_str(&json).ok()
}

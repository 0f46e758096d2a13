//! Sign in, sign out, and who is signed in.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionUser {
    pub username: String,
    pub name: String,
    pub is_admin: bool,
}

#[server(prefix = "/-/fn", endpoint = "current_user")]
pub async fn current_user() -> Result<Option<SessionUser>, AppError> {
    let cx = super::ctx::ctx().await?;
    Ok(cx.user.map(|u| SessionUser { username: u.username, name: u.name, is_admin: u.is_admin }))
}

/// Checks the password (rate-limited per username and client address), starts a session and
/// goes to the dashboard.
#[server(prefix = "/-/fn", endpoint = "sign_in")]
pub async fn sign_in(username: String, password: String) -> Result<(), AppError> {
    use berth_platform::sessions::{create_session, SESSION_LIFETIME_MILLIS};

    let cx = super::ctx::ctx().await?;
    let username = username.trim().to_string();
    if let Err(throttled) = cx.server.throttle.check(&username, cx.client_ip).await {
        return Err(AppError::Invalid(throttled.to_string()));
    }
    let user = berth_platform::accounts::check_password(cx.db(), &username, &password).await?;
    let Some(user) = user else {
        cx.server.throttle.record_failure(&username, cx.client_ip).await;
        return Err(AppError::Invalid("Invalid username or password.".into()));
    };
    if user.is_blocked {
        return Err(AppError::Invalid("Your account has been blocked. Contact your administrator.".into()));
    }
    cx.server.throttle.record_success(&username, cx.client_ip).await;
    let session = create_session(cx.db(), user.id, SESSION_LIFETIME_MILLIS).await?;
    super::ctx::set_cookie(&super::ctx::session_cookie_header(&session.secret, SESSION_LIFETIME_MILLIS / 1000, cx.server.secure_cookies()));
    leptos_axum::redirect("/dashboard");
    Ok(())
}

#[server(prefix = "/-/fn", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    let cx = super::ctx::ctx().await?;
    if let Some(secret) = &cx.session_secret {
        berth_platform::sessions::delete_session(cx.db(), secret).await?;
    }
    super::ctx::set_cookie(&super::ctx::session_cookie_header("", 0, cx.server.secure_cookies()));
    leptos_axum::redirect("/users/sign_in");
    Ok(())
}

//! Admin area › Users (administrators only; others get not-found).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminUser {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub email: String,
    pub is_admin: bool,
    pub is_blocked: bool,
    pub is_self: bool,
}

#[server(prefix = "/-/fn", endpoint = "admin_users")]
pub async fn admin_users() -> Result<Vec<AdminUser>, AppError> {
    let cx = super::ctx::ctx().await?;
    let me = cx.require_admin()?.id;
    Ok(super::queries::all_users(cx.db())
        .await?
        .into_iter()
        .map(|u| AdminUser {
            id: u.id,
            is_self: u.id == me,
            username: u.username,
            name: u.name,
            email: u.email,
            is_admin: u.is_admin,
            is_blocked: u.is_blocked,
        })
        .collect())
}

#[server(prefix = "/-/fn", endpoint = "admin_create_user")]
pub async fn admin_create_user(
    username: String,
    name: String,
    email: String,
    password: String,
    is_admin: Option<String>,
) -> Result<String, AppError> {
    use berth_platform::users::{create_user, NewUser};
    let cx = super::ctx::ctx().await?;
    cx.require_admin()?;
    let new = NewUser {
        username: username.trim(),
        name: &name,
        email: email.trim(),
        password: &password,
        is_admin: is_admin.as_deref().is_some_and(|v| !v.is_empty() && v != "false"),
    };
    let user = create_user(cx.db(), &new).await?;
    Ok(user.username)
}

#[server(prefix = "/-/fn", endpoint = "admin_set_blocked")]
pub async fn admin_set_blocked(user_id: i64, blocked: bool) -> Result<(), AppError> {
    let cx = super::ctx::ctx().await?;
    let me = cx.require_admin()?;
    if me.id == user_id && blocked {
        return Err(AppError::Invalid("you cannot block yourself".into()));
    }
    berth_platform::users::set_blocked(cx.db(), user_id, blocked).await?;
    if blocked {
        berth_platform::sessions::delete_sessions_of_user(cx.db(), user_id).await?;
    }
    Ok(())
}

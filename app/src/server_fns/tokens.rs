//! Personal access tokens (user settings) and a project's deploy tokens. Secrets are
//! returned once, by the call that creates them.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::projects::ProjectNav;
use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    /// Deploy tokens only.
    pub username: Option<String>,
    pub scopes: Vec<String>,
    pub expires_at: Option<i64>,
    pub revoked: bool,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A token just made: its secret is in no other answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewToken {
    pub name: String,
    pub username: Option<String>,
    pub secret: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeployTokensData {
    pub nav: ProjectNav,
    pub tokens: Vec<TokenRow>,
}

#[cfg(feature = "ssr")]
fn expiry(expires_at: Option<String>) -> Result<Option<i64>, AppError> {
    match expires_at.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => crate::dates::parse_date(s).map(Some).ok_or_else(|| AppError::Invalid(format!("{s:?} is not a date (YYYY-MM-DD)"))),
    }
}

#[cfg(feature = "ssr")]
fn checked(flags: &[(Option<String>, berth_platform::model::Scope)]) -> berth_platform::model::Scopes {
    let on: Vec<_> = flags.iter().filter(|(v, _)| v.as_deref().is_some_and(|v| !v.is_empty() && v != "false")).map(|(_, s)| *s).collect();
    berth_platform::model::Scopes::of(&on)
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonalTokensData {
    pub tokens: Vec<TokenRow>,
    /// A token created by a plain form post (no JavaScript) just before this load: its
    /// secret, shown this once.
    pub just_created: Option<NewToken>,
}

#[server(prefix = "/-/fn", endpoint = "personal_tokens")]
pub async fn personal_tokens() -> Result<PersonalTokensData, AppError> {
    let cx = super::ctx::ctx().await?;
    let user = cx.require_user()?;
    let tokens = berth_platform::tokens::list_personal_access_tokens(cx.db(), user.id).await?;
    let just_created = match super::flash::take() {
        Some(super::flash::Flash::TokenCreated(t)) => Some(t),
        _ => None,
    };
    let tokens = tokens
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            username: None,
            scopes: t.scopes.iter().map(|s| s.as_str().to_string()).collect(),
            expires_at: t.expires_at,
            revoked: t.revoked,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
        })
        .collect();
    Ok(PersonalTokensData { tokens, just_created })
}

#[server(prefix = "/-/fn", endpoint = "create_personal_token")]
pub async fn create_personal_token(
    name: String,
    scope_api: Option<String>,
    scope_read_api: Option<String>,
    scope_read_registry: Option<String>,
    scope_write_registry: Option<String>,
    expires_at: Option<String>,
) -> Result<NewToken, AppError> {
    use berth_platform::model::Scope;
    let cx = super::ctx::ctx().await?;
    let user = cx.require_user()?;
    let scopes = checked(&[
        (scope_api, Scope::Api),
        (scope_read_api, Scope::ReadApi),
        (scope_read_registry, Scope::ReadRegistry),
        (scope_write_registry, Scope::WriteRegistry),
    ]);
    let created = berth_platform::tokens::create_personal_access_token(cx.db(), user.id, &name, scopes, expiry(expires_at)?).await?;
    let token = NewToken { name: created.token.name, username: None, secret: created.secret };
    super::flash::leave(&super::flash::Flash::TokenCreated(token.clone()));
    Ok(token)
}

#[server(prefix = "/-/fn", endpoint = "revoke_personal_token")]
pub async fn revoke_personal_token(id: i64) -> Result<(), AppError> {
    let cx = super::ctx::ctx().await?;
    let user = cx.require_user()?;
    let mine = berth_platform::tokens::list_personal_access_tokens(cx.db(), user.id).await?;
    if !mine.iter().any(|t| t.id == id) {
        return Err(AppError::NotFound);
    }
    berth_platform::tokens::revoke_personal_access_token(cx.db(), id).await?;
    Ok(())
}

#[cfg(feature = "ssr")]
async fn deploy_project(cx: &super::ctx::Ctx, path: &str) -> Result<super::ctx::ViewedProject, AppError> {
    let viewed = cx.project(path).await?;
    // Settings pages of projects the viewer cannot administer do not exist for them.
    if !viewed.can(berth_platform::permissions::Action::CreateDeployToken) {
        return Err(AppError::NotFound);
    }
    Ok(viewed)
}

#[server(prefix = "/-/fn", endpoint = "deploy_tokens_page")]
pub async fn deploy_tokens_page(path: String) -> Result<DeployTokensData, AppError> {
    use berth_platform::tokens::DeployTokenOwner;
    let cx = super::ctx::ctx().await?;
    let viewed = deploy_project(&cx, &path).await?;
    let tokens = berth_platform::tokens::list_deploy_tokens(cx.db(), DeployTokenOwner::Project(viewed.project.id)).await?;
    Ok(DeployTokensData {
        nav: super::projects::nav_of(&viewed),
        tokens: tokens
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                name: t.name,
                username: Some(t.username),
                scopes: t.scopes.iter().map(|s| s.as_str().to_string()).collect(),
                expires_at: t.expires_at,
                revoked: t.revoked,
                created_at: t.created_at,
                last_used_at: None,
            })
            .collect(),
    })
}

#[server(prefix = "/-/fn", endpoint = "create_deploy_token")]
pub async fn create_deploy_token(
    path: String,
    name: String,
    username: Option<String>,
    scope_read_registry: Option<String>,
    scope_write_registry: Option<String>,
    expires_at: Option<String>,
) -> Result<NewToken, AppError> {
    use berth_platform::model::Scope;
    use berth_platform::tokens::DeployTokenOwner;
    let cx = super::ctx::ctx().await?;
    cx.require_user()?;
    let viewed = deploy_project(&cx, &path).await?;
    let scopes = checked(&[(scope_read_registry, Scope::ReadRegistry), (scope_write_registry, Scope::WriteRegistry)]);
    let username = username.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let created = berth_platform::tokens::create_deploy_token(
        cx.db(),
        DeployTokenOwner::Project(viewed.project.id),
        &name,
        username,
        scopes,
        expiry(expires_at)?,
    )
    .await?;
    Ok(NewToken { name: created.token.name, username: Some(created.token.username), secret: created.secret })
}

#[server(prefix = "/-/fn", endpoint = "revoke_deploy_token")]
pub async fn revoke_deploy_token(path: String, id: i64) -> Result<(), AppError> {
    use berth_platform::tokens::DeployTokenOwner;
    let cx = super::ctx::ctx().await?;
    cx.require_user()?;
    let viewed = deploy_project(&cx, &path).await?;
    let tokens = berth_platform::tokens::list_deploy_tokens(cx.db(), DeployTokenOwner::Project(viewed.project.id)).await?;
    if !tokens.iter().any(|t| t.id == id) {
        return Err(AppError::NotFound);
    }
    berth_platform::tokens::revoke_deploy_token(cx.db(), id).await?;
    Ok(())
}

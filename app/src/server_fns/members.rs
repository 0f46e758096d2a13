//! Members of a project or a group: list, add, change role, remove.
//! Maintainer+ manage members; only an Owner (or an administrator) grants Owner or changes
//! an Owner's role.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::projects::ProjectNav;
use crate::error::AppError;

/// `"project"` or `"group"`.
pub type TargetKind = String;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberRow {
    pub user_id: i64,
    pub username: String,
    pub access_level: i64,
    pub since: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MembersData {
    pub full_path: String,
    pub name: String,
    /// For the project sidebar; `None` for a group.
    pub project_nav: Option<ProjectNav>,
    pub can_manage: bool,
    pub can_grant_owner: bool,
    pub members: Vec<MemberRow>,
}

#[cfg(feature = "ssr")]
struct Target {
    target: berth_platform::members::MemberTarget,
    full_path: String,
    name: String,
    project_nav: Option<ProjectNav>,
    can_manage: bool,
    can_grant_owner: bool,
}

#[cfg(feature = "ssr")]
async fn target(cx: &super::ctx::Ctx, kind: &str, path: &str) -> Result<Target, AppError> {
    use berth_platform::members::MemberTarget;
    use berth_platform::permissions::Action;
    match kind {
        "project" => {
            let viewed = cx.project(path).await?;
            Ok(Target {
                target: MemberTarget::Project(viewed.project.id),
                full_path: viewed.project.full_path.clone(),
                name: viewed.project.name.clone(),
                project_nav: Some(super::projects::nav_of(&viewed)),
                can_manage: viewed.can(Action::ManageMembers),
                can_grant_owner: viewed.can(Action::GrantOwner),
            })
        }
        "group" => {
            let (group, role) = cx.group(path).await?;
            let (can_manage, can_grant_owner) = cx.group_rights(role);
            Ok(Target {
                target: MemberTarget::Group(group.id),
                full_path: group.full_path,
                name: group.name,
                project_nav: None,
                can_manage,
                can_grant_owner,
            })
        }
        _ => Err(AppError::NotFound),
    }
}

#[server(prefix = "/-/fn", endpoint = "members_page")]
pub async fn members_page(kind: TargetKind, path: String) -> Result<MembersData, AppError> {
    let cx = super::ctx::ctx().await?;
    let t = target(&cx, &kind, &path).await?;
    let members = berth_platform::members::list_members(cx.db(), t.target)
        .await?
        .into_iter()
        .map(|m| MemberRow { user_id: m.user_id, username: m.username, access_level: m.role.access_level(), since: m.created_at })
        .collect();
    Ok(MembersData {
        full_path: t.full_path,
        name: t.name,
        project_nav: t.project_nav,
        can_manage: t.can_manage,
        can_grant_owner: t.can_grant_owner,
        members,
    })
}

#[cfg(feature = "ssr")]
async fn set_role(cx: &super::ctx::Ctx, t: &Target, user_id: i64, access_level: i64) -> Result<(), AppError> {
    use berth_platform::model::Role;
    let role = Role::from_access_level(access_level).ok_or_else(|| AppError::Invalid("choose a role".into()))?;
    let current = berth_platform::repo::members::direct_level(cx.db(), t.target, user_id).await?;
    let touches_owner = role == Role::Owner || current == Some(Role::Owner.access_level());
    if touches_owner && !t.can_grant_owner {
        return Err(AppError::Invalid("only an Owner can grant the Owner role or change an Owner's role".into()));
    }
    berth_platform::members::set_member(cx.db(), t.target, user_id, role).await?;
    Ok(())
}

#[server(prefix = "/-/fn", endpoint = "add_member")]
pub async fn add_member(kind: TargetKind, path: String, username: String, access_level: i64) -> Result<(), AppError> {
    let cx = super::ctx::ctx().await?;
    cx.require_user()?;
    let t = target(&cx, &kind, &path).await?;
    if !t.can_manage {
        return Err(AppError::Forbidden);
    }
    let user = berth_platform::accounts::find_by_username(cx.db(), username.trim())
        .await?
        .ok_or_else(|| AppError::Invalid(format!("there is no user {:?}", username.trim())))?;
    if berth_platform::repo::members::direct_level(cx.db(), t.target, user.id).await?.is_some() {
        return Err(AppError::Invalid(format!("{} is already a member; change their role in the list", user.username)));
    }
    set_role(&cx, &t, user.id, access_level).await
}

#[server(prefix = "/-/fn", endpoint = "change_member_role")]
pub async fn change_member_role(kind: TargetKind, path: String, user_id: i64, access_level: i64) -> Result<(), AppError> {
    let cx = super::ctx::ctx().await?;
    cx.require_user()?;
    let t = target(&cx, &kind, &path).await?;
    if !t.can_manage {
        return Err(AppError::Forbidden);
    }
    if berth_platform::repo::members::direct_level(cx.db(), t.target, user_id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    set_role(&cx, &t, user_id, access_level).await
}

#[server(prefix = "/-/fn", endpoint = "remove_member")]
pub async fn remove_member(kind: TargetKind, path: String, user_id: i64) -> Result<(), AppError> {
    use berth_platform::model::Role;
    let cx = super::ctx::ctx().await?;
    cx.require_user()?;
    let t = target(&cx, &kind, &path).await?;
    if !t.can_manage {
        return Err(AppError::Forbidden);
    }
    let current = berth_platform::repo::members::direct_level(cx.db(), t.target, user_id).await?;
    if current == Some(Role::Owner.access_level()) && !t.can_grant_owner {
        return Err(AppError::Invalid("only an Owner can remove an Owner".into()));
    }
    berth_platform::members::remove_member(cx.db(), t.target, user_id).await?;
    Ok(())
}

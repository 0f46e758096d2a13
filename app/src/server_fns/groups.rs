//! Groups: create, and the group page.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::dashboard::Summary;
use crate::error::AppError;

/// A namespace a new group or project may be created in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NamespaceOption {
    pub id: i64,
    pub full_path: String,
    pub personal: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupPageData {
    pub full_path: String,
    pub name: String,
    pub visibility: String,
    /// The viewer's role name, if they are a member.
    pub role: Option<String>,
    pub can_create_in: bool,
    pub subgroups: Vec<Summary>,
    pub projects: Vec<Summary>,
}

/// Groups the user may create a subgroup or project in (Maintainer+; every group for admins).
#[server(prefix = "/-/fn", endpoint = "group_parent_options")]
pub async fn group_parent_options() -> Result<Vec<NamespaceOption>, AppError> {
    let cx = super::ctx::ctx().await?;
    let user = cx.require_user()?;
    let groups = super::queries::groups_of_user(cx.db(), user.id, 40, user.is_admin).await?;
    Ok(groups.into_iter().map(|g| NamespaceOption { id: g.id, full_path: g.full_path, personal: false }).collect())
}

#[server(prefix = "/-/fn", endpoint = "create_group")]
pub async fn create_group(name: String, path: String, visibility: String, parent_id: Option<String>) -> Result<(), AppError> {
    use berth_platform::group_lifecycle::create_group_as;
    use berth_platform::model::Visibility;
    use berth_platform::namespaces::NewGroup;

    let cx = super::ctx::ctx().await?;
    let user = cx.require_user()?;
    let visibility = Visibility::parse(&visibility).ok_or_else(|| AppError::Invalid("choose a visibility".into()))?;
    let parent_id = match parent_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(id) => Some(id.parse::<i64>().map_err(|_| AppError::Invalid("unknown parent group".into()))?),
    };
    // Who may create a subgroup where is the platform's rule (the same as the REST API's).
    let new = NewGroup { parent_id, path: path.trim(), name: &name, visibility };
    let group = create_group_as(cx.db(), user, &new).await.map_err(|e| match e {
        berth_platform::PlatformError::NotFound(_) => AppError::Invalid("unknown parent group".into()),
        other => other.into(),
    })?;
    leptos_axum::redirect(&format!("/groups/{}", group.full_path));
    Ok(())
}

#[server(prefix = "/-/fn", endpoint = "group_page")]
pub async fn group_page(path: String) -> Result<GroupPageData, AppError> {
    use berth_platform::model::Role;

    let cx = super::ctx::ctx().await?;
    let (group, role) = cx.group(&path).await?;
    let mut subgroups = Vec::new();
    for g in super::queries::subgroups(cx.db(), group.id).await? {
        if cx.group(&g.full_path).await.is_ok() {
            subgroups.push(Summary { full_path: g.full_path, name: g.name, visibility: g.visibility });
        }
    }
    let mut projects = Vec::new();
    for p in super::queries::projects_in(cx.db(), group.id).await? {
        if cx.project(&p.full_path).await.is_ok() {
            projects.push(Summary { full_path: p.full_path, name: p.name, visibility: p.visibility });
        }
    }
    let admin = cx.user.as_ref().is_some_and(|u| u.is_admin);
    Ok(GroupPageData {
        full_path: group.full_path,
        name: group.name,
        visibility: group.visibility.as_str().to_string(),
        role: role.map(|r| crate::roles::role_name(r.access_level()).to_string()),
        can_create_in: admin || role >= Some(Role::Maintainer),
        subgroups,
        projects,
    })
}

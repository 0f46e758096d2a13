//! The signed-in user's groups and projects.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub full_path: String,
    pub name: String,
    pub visibility: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DashboardData {
    pub username: String,
    pub groups: Vec<Summary>,
    pub projects: Vec<Summary>,
}

#[server(prefix = "/-/fn", endpoint = "dashboard")]
pub async fn dashboard() -> Result<DashboardData, AppError> {
    use super::queries;
    let cx = super::ctx::ctx().await?;
    let user = cx.require_user()?;
    let groups = queries::groups_of_user(cx.db(), user.id, 10, false).await?;
    let projects = queries::projects_of_user(cx.db(), user.id).await?;
    Ok(DashboardData {
        username: user.username.clone(),
        groups: groups.into_iter().map(|g| Summary { full_path: g.full_path, name: g.name, visibility: g.visibility }).collect(),
        projects: projects.into_iter().map(|p| Summary { full_path: p.full_path, name: p.name, visibility: p.visibility }).collect(),
    })
}

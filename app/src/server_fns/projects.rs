//! Projects: create, and the project page.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::groups::NamespaceOption;
use crate::error::AppError;

/// What the project sidebar needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectNav {
    pub full_path: String,
    pub name: String,
    /// The registry is not disabled for this project (and the viewer may see it).
    pub registry_enabled: bool,
    /// Maintainer or higher: the Settings entry.
    pub can_settings: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectPageData {
    pub nav: ProjectNav,
    pub visibility: String,
    pub registry_access: String,
    pub role: Option<String>,
    /// `host/path`, what `docker push` uses.
    pub image_path: String,
}

#[cfg(feature = "ssr")]
pub(crate) fn nav_of(viewed: &super::ctx::ViewedProject) -> ProjectNav {
    use berth_platform::model::RegistryAccessLevel;
    use berth_platform::permissions::Action;
    ProjectNav {
        full_path: viewed.project.full_path.clone(),
        name: viewed.project.name.clone(),
        registry_enabled: viewed.project.registry_access != RegistryAccessLevel::Disabled && viewed.can(Action::ReadRegistry),
        can_settings: viewed.can(Action::ChangeProjectSettings),
    }
}

/// Where the user may create a project: their personal namespace, and groups where they are
/// Maintainer or higher (every group for administrators).
#[server(prefix = "/-/fn", endpoint = "project_namespace_options")]
pub async fn project_namespace_options() -> Result<Vec<NamespaceOption>, AppError> {
    let cx = super::ctx::ctx().await?;
    let user = cx.require_user()?;
    let personal = berth_platform::namespaces::ensure_personal_namespace(cx.db(), user).await?;
    let mut out = vec![NamespaceOption { id: personal.id, full_path: personal.full_path, personal: true }];
    for g in super::queries::groups_of_user(cx.db(), user.id, 30, user.is_admin).await? {
        out.push(NamespaceOption { id: g.id, full_path: g.full_path, personal: false });
    }
    Ok(out)
}

#[server(prefix = "/-/fn", endpoint = "create_project")]
pub async fn create_project(name: String, path: String, visibility: String, namespace_id: String) -> Result<(), AppError> {
    use berth_platform::model::{RegistryAccessLevel, Visibility};
    use berth_platform::project_lifecycle::create_project_as;
    use berth_platform::projects::NewProject;

    let cx = super::ctx::ctx().await?;
    let user = cx.require_user()?;
    let visibility = Visibility::parse(&visibility).ok_or_else(|| AppError::Invalid("choose a visibility".into()))?;
    let namespace_id: i64 = namespace_id.trim().parse().map_err(|_| AppError::Invalid("choose a namespace".into()))?;
    // Who may create where is the platform's rule (the same as the REST API's).
    let new = NewProject { namespace_id, path: path.trim(), name: &name, visibility, registry_access: RegistryAccessLevel::Enabled };
    let project = create_project_as(cx.db(), user, &new).await.map_err(|e| match e {
        berth_platform::PlatformError::NotFound(_) => AppError::Invalid("choose a namespace".into()),
        other => other.into(),
    })?;
    leptos_axum::redirect(&format!("/{}", project.full_path));
    Ok(())
}

#[server(prefix = "/-/fn", endpoint = "project_page")]
pub async fn project_page(path: String) -> Result<ProjectPageData, AppError> {
    let cx = super::ctx::ctx().await?;
    let viewed = cx.project(&path).await?;
    let host = use_context::<super::site::SiteContext>().map(|s| s.registry_host).unwrap_or_default();
    Ok(ProjectPageData {
        nav: nav_of(&viewed),
        visibility: viewed.project.visibility.as_str().to_string(),
        registry_access: viewed.project.registry_access.as_str().to_string(),
        role: viewed.role.map(|r| crate::roles::role_name(r.access_level()).to_string()),
        image_path: format!("{host}/{}", viewed.project.full_path),
    })
}

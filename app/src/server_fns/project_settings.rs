//! Project settings › General: visibility, and the Container Registry's access level and
//! on/off switch (Maintainer or higher).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::projects::ProjectNav;
use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeneralSettings {
    pub nav: ProjectNav,
    pub visibility: String,
    /// `enabled`, `private` or `disabled`.
    pub registry_access: String,
    /// The last path segment.
    pub path: String,
    pub can_transfer: bool,
    /// Saved by a plain form post just before this load (no JavaScript).
    pub saved: bool,
}

#[server(prefix = "/-/fn", endpoint = "project_general_settings")]
pub async fn project_general_settings(path: String) -> Result<GeneralSettings, AppError> {
    use berth_platform::permissions::Action;

    let cx = super::ctx::ctx().await?;
    let viewed = cx.project(&path).await?;
    if !viewed.can(Action::ChangeProjectSettings) {
        return Err(AppError::NotFound);
    }
    Ok(GeneralSettings {
        nav: super::projects::nav_of(&viewed),
        visibility: viewed.project.visibility.as_str().to_string(),
        registry_access: viewed.project.registry_access.as_str().to_string(),
        path: viewed.project.path.clone(),
        can_transfer: viewed.can(Action::TransferProject),
        saved: matches!(super::flash::take(), Some(super::flash::Flash::SettingsSaved)),
    })
}

/// Saves visibility and registry settings. `registry_enabled` is the checkbox (absent when
/// off); `registry_access_level` is `enabled` ("Everyone with access") or `private` ("Only
/// project members").
#[server(prefix = "/-/fn", endpoint = "update_project_general_settings")]
pub async fn update_project_general_settings(
    path: String,
    visibility: String,
    registry_access_level: String,
    registry_enabled: Option<String>,
) -> Result<(), AppError> {
    use berth_platform::model::{RegistryAccessLevel, Visibility};
    use berth_platform::permissions::Action;
    use berth_platform::projects::{set_project_visibility, set_registry_access_level};

    let cx = super::ctx::ctx().await?;
    let viewed = cx.project(&path).await?;
    if !viewed.can(Action::ChangeProjectSettings) {
        return Err(AppError::NotFound);
    }
    viewed.require(Action::ChangeRegistrySettings)?;
    let visibility = Visibility::parse(&visibility).ok_or_else(|| AppError::Invalid("choose a visibility".into()))?;
    let level = match (registry_enabled.is_some(), registry_access_level.as_str()) {
        (false, _) => RegistryAccessLevel::Disabled,
        (true, "enabled") => RegistryAccessLevel::Enabled,
        (true, "private") => RegistryAccessLevel::Private,
        _ => return Err(AppError::Invalid("choose who may see the Container Registry".into())),
    };
    if visibility != viewed.project.visibility {
        set_project_visibility(cx.db(), viewed.project.id, visibility).await?;
    }
    if level != viewed.project.registry_access {
        set_registry_access_level(cx.db(), viewed.project.id, level).await?;
    }
    super::flash::leave(&super::flash::Flash::SettingsSaved);
    Ok(())
}

/// Changes the project's path (its last segment); refused while its registry holds tags.
#[server(prefix = "/-/fn", endpoint = "rename_project_path")]
pub async fn rename_project_path(path: String, new_path: String) -> Result<(), AppError> {
    use berth_platform::permissions::Action;

    let cx = super::ctx::ctx().await?;
    let viewed = cx.project(&path).await?;
    if !viewed.can(Action::ChangeProjectSettings) {
        return Err(AppError::NotFound);
    }
    let project = berth_platform::project_lifecycle::rename_project(cx.db(), viewed.project.id, new_path.trim()).await?;
    leptos_axum::redirect(&format!("/{}/-/settings/general", project.full_path));
    Ok(())
}

/// Moves the project to another namespace the user may create projects in (Owner); refused
/// while its registry holds tags.
#[server(prefix = "/-/fn", endpoint = "transfer_project_to")]
pub async fn transfer_project_to(path: String, namespace_id: String) -> Result<(), AppError> {
    use berth_platform::permissions::Action;
    use berth_platform::project_lifecycle::{may_create_projects_in, transfer_project};

    let cx = super::ctx::ctx().await?;
    let user = cx.require_user()?;
    let viewed = cx.project(&path).await?;
    if !viewed.can(Action::ChangeProjectSettings) {
        return Err(AppError::NotFound);
    }
    viewed.require(Action::TransferProject)?;
    let namespace_id: i64 = namespace_id.trim().parse().map_err(|_| AppError::Invalid("choose a namespace".into()))?;
    let namespace = berth_platform::namespaces::find_namespace(cx.db(), namespace_id)
        .await?
        .ok_or_else(|| AppError::Invalid("choose a namespace".into()))?;
    if !may_create_projects_in(cx.db(), user, &namespace).await? {
        return Err(AppError::Invalid("you may not create projects in that namespace".into()));
    }
    let project = transfer_project(cx.db(), viewed.project.id, namespace.id).await?;
    leptos_axum::redirect(&format!("/{}/-/settings/general", project.full_path));
    Ok(())
}

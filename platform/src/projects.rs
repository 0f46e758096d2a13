//! Projects: creation and the settings that decide access.

use berth_db::{now_millis, Db};

use crate::error::{is_unique_violation, PlatformError, Result};
use crate::model::{RegistryAccessLevel, Visibility};
use crate::namespaces::{check_full_path_free, check_not_more_open};
use crate::paths::validate_path;
use crate::permissions::ProjectAccess;
use crate::repo;
use crate::repo::projects::NewProjectRow;
pub use crate::repo::projects::Project;

#[derive(Debug, Clone)]
pub struct NewProject<'a> {
    /// A group or a personal namespace.
    pub namespace_id: i64,
    pub path: &'a str,
    /// Display name; the path when empty.
    pub name: &'a str,
    pub visibility: Visibility,
    pub registry_access: RegistryAccessLevel,
}

pub async fn create_project(db: &Db, new: &NewProject<'_>) -> Result<Project> {
    validate_path("project path", new.path).map_err(PlatformError::Invalid)?;
    let namespace = repo::namespaces::by_id(db, new.namespace_id).await?.ok_or(PlatformError::NotFound("namespace"))?;
    check_not_more_open("project", new.visibility, "namespace", namespace.visibility)?;
    let full_path = format!("{}/{}", namespace.full_path, new.path);
    check_full_path_free(db, &full_path).await?;
    let name = if new.name.trim().is_empty() { new.path } else { new.name.trim() };
    let row = NewProjectRow {
        namespace_id: namespace.id,
        path: new.path,
        full_path: &full_path,
        name,
        visibility: new.visibility,
        registry_access: new.registry_access,
        created_at: now_millis(),
    };
    repo::projects::insert(db, &row).await.map_err(|e| {
        if is_unique_violation(&e) {
            PlatformError::Conflict(format!("the path {full_path:?} is already taken"))
        } else {
            e.into()
        }
    })
}

pub async fn find_project(db: &Db, id: i64) -> Result<Option<Project>> {
    Ok(repo::projects::by_id(db, id).await?)
}

pub async fn find_project_by_path(db: &Db, full_path: &str) -> Result<Option<Project>> {
    Ok(repo::projects::by_full_path(db, full_path).await?)
}

/// Changes the project's visibility; it may not be more open than its namespace.
pub async fn set_project_visibility(db: &Db, project_id: i64, visibility: Visibility) -> Result<()> {
    let project = repo::projects::by_id(db, project_id).await?.ok_or(PlatformError::NotFound("project"))?;
    let namespace = repo::namespaces::by_id(db, project.namespace_id).await?.ok_or(PlatformError::NotFound("namespace"))?;
    check_not_more_open("project", visibility, "namespace", namespace.visibility)?;
    repo::projects::set_visibility(db, project_id, visibility).await?;
    Ok(())
}

pub async fn set_registry_access_level(db: &Db, project_id: i64, level: RegistryAccessLevel) -> Result<()> {
    repo::projects::set_registry_access(db, project_id, level).await?.then_some(()).ok_or(PlatformError::NotFound("project"))
}

/// Changes the project's display name (its path stays).
pub async fn set_project_name(db: &Db, project_id: i64, name: &str) -> Result<()> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(PlatformError::Invalid("name must be 1 to 255 characters".into()));
    }
    repo::projects::set_name(db, project_id, name).await?.then_some(()).ok_or(PlatformError::NotFound("project"))
}

/// The settings the permission function needs.
pub fn project_access(project: &Project) -> ProjectAccess {
    ProjectAccess { visibility: project.visibility, registry_access: project.registry_access }
}

/// The project a repository path belongs to: the longest existing project full path that
/// the path begins with, followed by at most [`crate::paths::MAX_IMAGE_SEGMENTS`] segments.
pub async fn project_for_repository_path(db: &Db, repository_path: &str) -> Result<Option<Project>> {
    Ok(repo::projects::longest_of(db, &crate::paths::candidate_project_paths(repository_path)).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::namespaces::{create_group, NewGroup};

    #[tokio::test]
    async fn projects_live_in_namespaces_with_unique_paths() {
        let dir = tempfile::tempdir().unwrap();
        for (backend, url) in berth_db::testing::test_database_urls(dir.path()).await {
            let db = Db::connect(&url).await.unwrap();
            let g = create_group(&db, &NewGroup { parent_id: None, path: "acme", name: "", visibility: Visibility::Internal }, None)
                .await
                .unwrap();
            let new = NewProject {
                namespace_id: g.id,
                path: "web",
                name: "Web",
                visibility: Visibility::Private,
                registry_access: RegistryAccessLevel::Enabled,
            };
            let p = create_project(&db, &new).await.unwrap();
            assert_eq!((p.full_path.as_str(), p.name.as_str()), ("acme/web", "Web"), "{backend}");
            assert!(matches!(create_project(&db, &new).await, Err(PlatformError::Conflict(_))), "{backend}");
            // A subgroup cannot take a project's path (repository paths must stay unambiguous).
            let clash =
                create_group(&db, &NewGroup { parent_id: Some(g.id), path: "web", name: "", visibility: Visibility::Private }, None).await;
            assert!(matches!(clash, Err(PlatformError::Conflict(_))), "{backend}");
            let public = create_project(&db, &NewProject { path: "open", visibility: Visibility::Public, ..new.clone() }).await;
            assert!(matches!(public, Err(PlatformError::Invalid(_))), "{backend}");
            let bad = create_project(&db, &NewProject { path: "web-", ..new.clone() }).await;
            assert!(matches!(bad, Err(PlatformError::Invalid(m)) if m.contains("end with")), "{backend}");

            set_registry_access_level(&db, p.id, RegistryAccessLevel::Disabled).await.unwrap();
            set_project_visibility(&db, p.id, Visibility::Internal).await.unwrap();
            let p = find_project_by_path(&db, "acme/web").await.unwrap().unwrap();
            assert_eq!(
                project_access(&p),
                ProjectAccess { visibility: Visibility::Internal, registry_access: RegistryAccessLevel::Disabled },
                "{backend}"
            );
            assert!(set_project_visibility(&db, p.id, Visibility::Public).await.is_err(), "{backend}");
        }
    }
}

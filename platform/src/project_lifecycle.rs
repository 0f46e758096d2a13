//! Renaming, transferring and deleting projects (spec: storage-lifecycle.md › Deleting).
//!
//! A project whose registry holds tags cannot be renamed or transferred: image paths would
//! silently change under the people pulling them. Once the registry has no tags, its
//! remaining (tagless) repository rows move along with the project: every repository path
//! at or below the old project path is rewritten to the new one, in the same transaction
//! as the project row, so the engine's `repositories.path` always names an existing
//! project. Untagged manifests in them stay reachable by digest at the new path until the
//! garbage collector takes them.
//!
//! Deleting a project follows GitLab: the project and its images go. The request schedules
//! every repository of the project for deletion, disables its registry (no new pushes) and
//! records the project in `project_deletions`; [`run_pending_project_deletions`] removes the
//! project row once its repositories are gone.

use berth_db::{now_millis, Db};

use crate::accounts::User;
use crate::container_registry::deletion;
use crate::error::{is_unique_violation, PlatformError, Result};
use crate::model::{RegistryAccessLevel, Role};
use crate::namespaces::{check_full_path_free, Namespace, NamespaceKind};
use crate::paths::{validate_path, MAX_REPOSITORY_PATH_LEN};
use crate::repo;
use crate::repo::lifecycle as sql;
use crate::repo::projects::Project;

/// storage-lifecycle.md's exact messages.
pub const RENAME_REFUSED: &str = "Cannot rename project because it contains container registry tags!";
pub const TRANSFER_REFUSED: &str = "Project cannot be transferred, because tags are present in its container registry";

/// Whether `user` may create projects in `namespace` (and so transfer one into it):
/// administrators anywhere, the owner of a personal namespace, Developers of a group
/// (GitLab's default project creation level).
pub async fn may_create_projects_in(db: &Db, user: &User, namespace: &Namespace) -> Result<bool> {
    Ok(user.is_admin
        || match namespace.kind {
            NamespaceKind::User => namespace.owner_user_id == Some(user.id),
            NamespaceKind::Group => crate::members::effective_group_role(db, namespace.id, user.id).await? >= Some(Role::Developer),
        })
}

/// The message of a refused project creation (or transfer into a namespace).
pub const CREATE_REFUSED: &str = "you need at least the Developer role in that group to create projects there";

/// Creates a project in `new.namespace_id` as `user`: the one rule for the UI and the REST
/// API (who may create there: [`may_create_projects_in`]).
pub async fn create_project_as(db: &Db, user: &User, new: &crate::projects::NewProject<'_>) -> Result<Project> {
    let namespace = repo::namespaces::by_id(db, new.namespace_id).await?.ok_or(PlatformError::NotFound("namespace"))?;
    if !may_create_projects_in(db, user, &namespace).await? {
        return Err(PlatformError::Forbidden(CREATE_REFUSED.into()));
    }
    crate::projects::create_project(db, new).await
}

/// Changes a project's path (its last segment). Refused while its registry holds tags.
pub async fn rename_project(db: &Db, project_id: i64, new_path: &str) -> Result<Project> {
    let project = repo::projects::by_id(db, project_id).await?.ok_or(PlatformError::NotFound("project"))?;
    if new_path == project.path {
        return Ok(project);
    }
    validate_path("project path", new_path).map_err(PlatformError::Invalid)?;
    let namespace = repo::namespaces::by_id(db, project.namespace_id).await?.ok_or(PlatformError::NotFound("namespace"))?;
    relocate(db, &project, &namespace, new_path, RENAME_REFUSED).await
}

/// Moves a project into another namespace (keeping its path). Refused while its registry
/// holds tags. A project more visible than its new namespace is narrowed to the namespace's
/// visibility, as GitLab does.
pub async fn transfer_project(db: &Db, project_id: i64, namespace_id: i64) -> Result<Project> {
    let project = repo::projects::by_id(db, project_id).await?.ok_or(PlatformError::NotFound("project"))?;
    let namespace = repo::namespaces::by_id(db, namespace_id).await?.ok_or(PlatformError::NotFound("namespace"))?;
    if namespace.id == project.namespace_id {
        return Err(PlatformError::Invalid("Project is already in this namespace; choose another one".into()));
    }
    relocate(db, &project, &namespace, &project.path, TRANSFER_REFUSED).await
}

/// Puts the project at `namespace/path`, rewriting every path below it, unless its
/// registry holds tags (then `refusal`).
async fn relocate(db: &Db, project: &Project, namespace: &Namespace, path: &str, refusal: &str) -> Result<Project> {
    let new_full_path = format!("{}/{path}", namespace.full_path);
    check_full_path_free(db, &new_full_path).await?;
    let mut tx = db.pool.begin().await?;
    sql::lock_registry_paths(&mut tx, db.backend, &project.full_path).await?;
    if sql::project_tag_count(&mut tx, project.id, &project.full_path).await? > 0 {
        return Err(PlatformError::Invalid(refusal.to_string()));
    }
    let longest = sql::longest_path_at_or_below(&mut tx, &project.full_path).await?;
    let grown = longest - project.full_path.len() as i64 + new_full_path.len() as i64;
    if grown > MAX_REPOSITORY_PATH_LEN as i64 {
        return Err(PlatformError::Invalid(format!(
            "the new path would make an image path {grown} characters long; the limit is {MAX_REPOSITORY_PATH_LEN}"
        )));
    }
    sql::set_project_location(&mut tx, project.id, namespace.id, path).await?;
    if project.visibility > namespace.visibility {
        sql::set_project_visibility(&mut tx, project.id, namespace.visibility.as_str()).await?;
    }
    sql::rewrite_path_prefix(&mut tx, &project.full_path, &new_full_path).await.map_err(taken(&new_full_path))?;
    tx.commit().await.map_err(taken(&new_full_path))?;
    repo::projects::by_id(db, project.id).await?.ok_or(PlatformError::NotFound("project"))
}

pub(crate) fn taken(full_path: &str) -> impl Fn(berth_db::sqlx::Error) -> PlatformError + '_ {
    move |e| {
        if is_unique_violation(&e) {
            PlatformError::Conflict(format!("the path {full_path:?} is already taken"))
        } else {
            e.into()
        }
    }
}

/// Starts deleting a project: its registry is disabled, its repositories are scheduled for
/// deletion, and the project row goes once they are gone ([`run_pending_project_deletions`]).
pub async fn delete_project(db: &Db, project_id: i64) -> Result<()> {
    let project = repo::projects::by_id(db, project_id).await?.ok_or(PlatformError::NotFound("project"))?;
    repo::projects::set_registry_access(db, project.id, RegistryAccessLevel::Disabled).await?;
    sql::request_project_deletion(db, project.id, now_millis()).await?;
    schedule_repositories(db, &project).await
}

/// Whether the project is being deleted.
pub async fn is_deletion_pending(db: &Db, project_id: i64) -> Result<bool> {
    Ok(sql::is_project_deletion_pending(db, project_id).await?)
}

/// Schedules every repository of the project that is not already on its way out.
async fn schedule_repositories(db: &Db, project: &Project) -> Result<()> {
    for (id, status) in sql::project_repositories(db, project.id, &project.full_path).await? {
        if status.is_none() {
            deletion::schedule(db, id).await?;
        }
    }
    Ok(())
}

/// Works off project deletions: schedules repositories that appeared since, and removes
/// projects whose repositories are all gone. Returns how many projects were removed.
pub async fn run_pending_project_deletions(db: &Db) -> Result<usize> {
    let mut removed = 0;
    for project_id in sql::pending_project_deletions(db).await? {
        let Some(project) = repo::projects::by_id(db, project_id).await? else { continue };
        schedule_repositories(db, &project).await?;
        if sql::project_repositories(db, project.id, &project.full_path).await?.is_empty() {
            sql::delete_project_row(db, project.id).await?;
            tracing::info!(project = %project.full_path, "project deleted");
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use berth_db::sqlx::{self, Row};

    use super::*;
    use crate::group_lifecycle::{transfer_group, update_group, GroupChanges, MOVE_REFUSED};
    use crate::model::Visibility;
    use crate::namespaces::{create_group, NewGroup};
    use crate::projects::{create_project, NewProject};

    /// A repository row with one manifest and the given tags (as the engine would store them).
    async fn repository(db: &Db, path: &str, project_id: Option<i64>, tags: &[&str]) -> i64 {
        let id: i64 = sqlx::query(
            "INSERT INTO repositories (path, project_id, status, created_at, updated_at) VALUES ($1, $2, NULL, 0, 0) RETURNING id",
        )
        .bind(path)
        .bind(project_id)
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .get("id");
        let manifest: i64 = sqlx::query(
            "INSERT INTO manifests (repository_id, digest, media_type, size, payload, total_size, pushed_at) \
             VALUES ($1, 'sha256:aa', 'application/vnd.oci.image.manifest.v1+json', 2, $2, 2, 0) RETURNING id",
        )
        .bind(id)
        .bind(b"{}".to_vec())
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .get("id");
        for tag in tags {
            sqlx::query("INSERT INTO tags (repository_id, name, manifest_id, created_at, updated_at) VALUES ($1, $2, $3, 0, 0)")
                .bind(id)
                .bind(*tag)
                .bind(manifest)
                .execute(&db.pool)
                .await
                .unwrap();
        }
        id
    }

    async fn repository_path(db: &Db, id: i64) -> String {
        sqlx::query("SELECT path FROM repositories WHERE id = $1").bind(id).fetch_one(&db.pool).await.unwrap().get("path")
    }

    async fn untag(db: &Db, repository_id: i64) {
        sqlx::query("DELETE FROM tags WHERE repository_id = $1").bind(repository_id).execute(&db.pool).await.unwrap();
    }

    #[tokio::test]
    async fn tags_block_renames_and_moves_until_the_registry_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        for (backend, url) in berth_db::testing::test_database_urls(dir.path()).await {
            let db = Db::connect(&url).await.unwrap();
            let group = |parent_id, path: &'static str| NewGroup { parent_id, path, name: "", visibility: Visibility::Internal };
            let acme = create_group(&db, &group(None, "acme"), None).await.unwrap();
            let team = create_group(&db, &group(Some(acme.id), "team"), None).await.unwrap();
            let other = create_group(&db, &group(None, "other"), None).await.unwrap();
            let new = |namespace_id, path| NewProject {
                namespace_id,
                path,
                name: "",
                visibility: Visibility::Internal,
                registry_access: RegistryAccessLevel::Enabled,
            };
            let app = create_project(&db, &new(team.id, "app")).await.unwrap();
            let root_image = repository(&db, "acme/team/app", Some(app.id), &["v1"]).await;
            let sub_image = repository(&db, "acme/team/app/tools", Some(app.id), &[]).await;

            let refused = rename_project(&db, app.id, "web").await.unwrap_err();
            assert!(matches!(&refused, PlatformError::Invalid(m) if m == RENAME_REFUSED), "{backend}: {refused}");
            let refused = transfer_project(&db, app.id, other.id).await.unwrap_err();
            assert!(matches!(&refused, PlatformError::Invalid(m) if m == TRANSFER_REFUSED), "{backend}: {refused}");
            let refused = update_group(&db, team.id, &GroupChanges { path: Some("crew"), ..Default::default() }).await.unwrap_err();
            assert!(matches!(&refused, PlatformError::Invalid(m) if m == MOVE_REFUSED), "{backend}: {refused}");
            let refused = transfer_group(&db, acme.id, Some(other.id)).await.unwrap_err();
            assert!(matches!(&refused, PlatformError::Invalid(m) if m == MOVE_REFUSED), "{backend}: grandparent too");
            assert_eq!(repository_path(&db, root_image).await, "acme/team/app", "{backend}: nothing changed");

            // A tag in a repository recorded as the project's, whatever its path, counts too.
            untag(&db, root_image).await;
            let stray = repository(&db, "elsewhere/app", Some(app.id), &["x"]).await;
            assert!(rename_project(&db, app.id, "web").await.is_err(), "{backend}");
            untag(&db, stray).await;

            let renamed = rename_project(&db, app.id, "web").await.unwrap();
            assert_eq!(renamed.full_path, "acme/team/web", "{backend}");
            assert_eq!(repository_path(&db, root_image).await, "acme/team/web", "{backend}: tagless repositories move along");
            assert_eq!(repository_path(&db, sub_image).await, "acme/team/web/tools", "{backend}");
            assert_eq!(repository_path(&db, stray).await, "elsewhere/app", "{backend}: not below the project");

            let moved = transfer_project(&db, app.id, other.id).await.unwrap();
            assert_eq!(moved.full_path, "other/web", "{backend}");
            assert_eq!(repository_path(&db, sub_image).await, "other/web/tools", "{backend}");
            assert!(transfer_project(&db, app.id, other.id).await.is_err(), "{backend}: same namespace");

            // Groups: path change and moves rewrite everything below.
            let back = transfer_project(&db, app.id, team.id).await.unwrap();
            assert_eq!(back.full_path, "acme/team/web", "{backend}");
            let crew =
                update_group(&db, team.id, &GroupChanges { path: Some("crew"), name: Some("Crew"), ..Default::default() }).await.unwrap();
            assert_eq!((crew.full_path.as_str(), crew.name.as_str()), ("acme/crew", "Crew"), "{backend}");
            assert_eq!(repository_path(&db, sub_image).await, "acme/crew/web/tools", "{backend}");
            let top = transfer_group(&db, team.id, None).await.unwrap();
            assert_eq!((top.full_path.as_str(), top.parent_id), ("crew", None), "{backend}");
            assert_eq!(repo::projects::by_id(&db, app.id).await.unwrap().unwrap().full_path, "crew/web", "{backend}");
            let under = transfer_group(&db, team.id, Some(other.id)).await.unwrap();
            assert_eq!(under.full_path, "other/crew", "{backend}");
            assert_eq!(repository_path(&db, root_image).await, "other/crew/web", "{backend}");
            let cycle = transfer_group(&db, other.id, Some(team.id)).await.unwrap_err();
            assert!(matches!(cycle, PlatformError::Invalid(m) if m.contains("itself")), "{backend}");
            let taken = update_group(&db, acme.id, &GroupChanges { path: Some("other"), ..Default::default() }).await.unwrap_err();
            assert!(matches!(taken, PlatformError::Conflict(_)), "{backend}");
            let open = update_group(&db, team.id, &GroupChanges { visibility: Some(Visibility::Public), ..Default::default() }).await;
            assert!(matches!(open, Err(PlatformError::Invalid(_))), "{backend}: not more open than its parent");
            let closed = update_group(&db, other.id, &GroupChanges { visibility: Some(Visibility::Private), ..Default::default() }).await;
            assert!(matches!(closed, Err(PlatformError::Invalid(m)) if m.contains("internal")), "{backend}: children are internal");
        }
    }

    #[tokio::test]
    async fn deleting_a_group_deletes_its_projects_after_their_repositories() {
        let dir = tempfile::tempdir().unwrap();
        for (backend, url) in berth_db::testing::test_database_urls(dir.path()).await {
            let db = Db::connect(&url).await.unwrap();
            let g =
                create_group(&db, &NewGroup { parent_id: None, path: "g", name: "", visibility: Visibility::Private }, None).await.unwrap();
            let s = create_group(&db, &NewGroup { parent_id: Some(g.id), path: "s", name: "", visibility: Visibility::Private }, None)
                .await
                .unwrap();
            let new = NewProject {
                namespace_id: s.id,
                path: "p",
                name: "",
                visibility: Visibility::Private,
                registry_access: RegistryAccessLevel::Enabled,
            };
            let p = create_project(&db, &new).await.unwrap();
            let image = repository(&db, "g/s/p", Some(p.id), &["v1"]).await;

            crate::group_lifecycle::delete_group(&db, g.id).await.unwrap();
            let p = repo::projects::by_id(&db, p.id).await.unwrap().unwrap();
            assert_eq!(p.registry_access, RegistryAccessLevel::Disabled, "{backend}: no more pushes");
            let status: Option<String> =
                sqlx::query("SELECT status FROM repositories WHERE id = $1").bind(image).fetch_one(&db.pool).await.unwrap().get("status");
            assert_eq!(status.as_deref(), Some("delete_scheduled"), "{backend}");
            assert_eq!(run_pending_project_deletions(&db).await.unwrap(), 0, "{backend}: the repository is still there");
            assert_eq!(crate::group_lifecycle::run_pending_group_deletions(&db).await.unwrap(), 0, "{backend}");

            // The repository deletion worker's part, done by hand here.
            sqlx::query("DELETE FROM repositories WHERE id = $1").bind(image).execute(&db.pool).await.unwrap();
            assert_eq!(run_pending_project_deletions(&db).await.unwrap(), 1, "{backend}");
            assert_eq!(crate::group_lifecycle::run_pending_group_deletions(&db).await.unwrap(), 1, "{backend}");
            assert!(repo::namespaces::by_id(&db, s.id).await.unwrap().is_none(), "{backend}: subgroups go too");
            assert!(repo::namespaces::by_id(&db, g.id).await.unwrap().is_none(), "{backend}");
            // The path is free again.
            create_group(&db, &NewGroup { parent_id: None, path: "g", name: "", visibility: Visibility::Private }, None).await.unwrap();
        }
    }
}

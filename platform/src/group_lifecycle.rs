//! Changing a group (name, path, visibility, parent) and deleting it.
//!
//! Changing a group's path or parent changes the full path of everything below it, so it is
//! refused while any project below it has tags (storage-lifecycle.md's exact message);
//! otherwise the tagless repository rows below move along, in the same transaction (see
//! [`crate::project_lifecycle`]). Deleting a group deletes its projects (and their images)
//! first, then its subgroups and itself ([`run_pending_group_deletions`]).

use berth_db::{now_millis, Db};

use crate::error::{PlatformError, Result};
use crate::model::{Role, Visibility};
use crate::namespaces::{check_full_path_free, check_not_more_open, Namespace, NamespaceKind};
use crate::paths::{validate_path, MAX_REPOSITORY_PATH_LEN};
use crate::project_lifecycle::{delete_project, is_deletion_pending, taken};
use crate::repo;
use crate::repo::lifecycle as sql;

/// storage-lifecycle.md's exact message.
pub const MOVE_REFUSED: &str = "Namespace cannot be moved because at least one project has tags in container registry.";

/// What to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct GroupChanges<'a> {
    pub name: Option<&'a str>,
    pub path: Option<&'a str>,
    pub visibility: Option<Visibility>,
    /// `Some(None)`: make it a top-level group; `Some(Some(id))`: move it under that group.
    pub parent_id: Option<Option<i64>>,
}

/// Whether `user` may create subgroups in `parent` (and so move a group under it):
/// administrators, Maintainers of the parent (GitLab's default).
pub async fn may_create_subgroups_in(db: &Db, user: &crate::accounts::User, parent: &Namespace) -> Result<bool> {
    Ok(parent.kind == NamespaceKind::Group
        && (user.is_admin || crate::members::effective_group_role(db, parent.id, user.id).await? >= Some(Role::Maintainer)))
}

/// The message of a refused subgroup creation (or move under a parent).
pub const SUBGROUP_REFUSED: &str = "you need at least the Maintainer role in the parent group to create a subgroup there";

/// Creates a group as `user`: top-level for anyone signed in, a subgroup for Maintainers of
/// the parent (GitLab's default) and administrators. The one rule for the UI and REST. A
/// private parent the user has no role in is `NotFound`, as if it did not exist.
pub async fn create_group_as(db: &Db, user: &crate::accounts::User, new: &crate::namespaces::NewGroup<'_>) -> Result<Namespace> {
    if let Some(parent_id) = new.parent_id {
        let parent = crate::repo::namespaces::by_id(db, parent_id).await?.ok_or(PlatformError::NotFound("parent group"))?;
        if !may_create_subgroups_in(db, user, &parent).await? {
            let role = crate::members::effective_group_role(db, parent.id, user.id).await?;
            return Err(
                if role.is_some() || parent.visibility != crate::model::Visibility::Private || parent.kind != NamespaceKind::Group {
                    PlatformError::Forbidden(SUBGROUP_REFUSED.into())
                } else {
                    PlatformError::NotFound("parent group")
                },
            );
        }
    }
    crate::namespaces::create_group(db, new, Some(user.id)).await
}

/// Applies the changes, each checked before anything is written.
pub async fn update_group(db: &Db, group_id: i64, changes: &GroupChanges<'_>) -> Result<Namespace> {
    let group = group(db, group_id).await?;
    let parent_id = changes.parent_id.unwrap_or(group.parent_id);
    let path = changes.path.unwrap_or(group.path.as_str());
    let parent = match parent_id {
        None => None,
        Some(id) => Some(new_parent(db, &group, id).await?),
    };
    let visibility = changes.visibility.unwrap_or(group.visibility);
    if let Some(parent) = &parent {
        check_not_more_open("group", visibility, "parent group", parent.visibility)?;
    }
    if visibility < group.visibility {
        for below in sql::visibilities_below(db, &group.full_path).await? {
            if Visibility::parse(&below).is_some_and(|b| b > visibility) {
                return Err(PlatformError::Invalid(format!(
                    "the group cannot be {} while it contains {below} groups or projects",
                    visibility.as_str()
                )));
            }
        }
    }
    let name = changes.name.map(str::trim).filter(|n| !n.is_empty()).unwrap_or(group.name.as_str()).to_string();
    if path != group.path || parent_id != group.parent_id {
        validate_path("group path", path).map_err(PlatformError::Invalid)?;
        let new_full_path = match &parent {
            None => path.to_string(),
            Some(p) => format!("{}/{path}", p.full_path),
        };
        relocate(db, &group, parent_id, path, &new_full_path).await?;
    }
    sql::set_namespace_name_and_visibility(db, group.id, &name, visibility.as_str()).await?;
    repo::namespaces::by_id(db, group.id).await?.ok_or(PlatformError::NotFound("group"))
}

/// Moves a group under another group, or to the top level (`None`).
pub async fn transfer_group(db: &Db, group_id: i64, parent_id: Option<i64>) -> Result<Namespace> {
    update_group(db, group_id, &GroupChanges { parent_id: Some(parent_id), ..Default::default() }).await
}

async fn group(db: &Db, id: i64) -> Result<Namespace> {
    repo::namespaces::by_id(db, id).await?.filter(|n| n.kind == NamespaceKind::Group).ok_or(PlatformError::NotFound("group"))
}

/// The new parent: a group that is neither the group itself nor below it.
async fn new_parent(db: &Db, group: &Namespace, parent_id: i64) -> Result<Namespace> {
    let parent = repo::namespaces::by_id(db, parent_id).await?.ok_or(PlatformError::NotFound("parent group"))?;
    if parent.kind != NamespaceKind::Group {
        return Err(PlatformError::Invalid("a group can only be moved into another group, not into a personal namespace".into()));
    }
    if repo::namespaces::self_and_ancestor_ids(db, parent.id).await?.contains(&group.id) {
        return Err(PlatformError::Invalid("a group cannot be moved into itself or one of its subgroups".into()));
    }
    Ok(parent)
}

async fn relocate(db: &Db, group: &Namespace, parent_id: Option<i64>, path: &str, new_full_path: &str) -> Result<()> {
    check_full_path_free(db, new_full_path).await?;
    let mut tx = db.pool.begin().await?;
    // Every repository path below the group begins with its full path.
    sql::lock_registry_paths(&mut tx, db.backend, &group.full_path).await?;
    if sql::tag_count_below(&mut tx, &group.full_path).await? > 0 {
        return Err(PlatformError::Invalid(MOVE_REFUSED.to_string()));
    }
    let longest = sql::longest_path_at_or_below(&mut tx, &group.full_path).await?;
    let grown = longest - group.full_path.len() as i64 + new_full_path.len() as i64;
    if grown > MAX_REPOSITORY_PATH_LEN as i64 {
        return Err(PlatformError::Invalid(format!(
            "the new path would make a path below the group {grown} characters long; the limit is {MAX_REPOSITORY_PATH_LEN}"
        )));
    }
    sql::set_namespace_location(&mut tx, group.id, parent_id, path).await?;
    sql::rewrite_path_prefix(&mut tx, &group.full_path, new_full_path).await.map_err(taken(new_full_path))?;
    tx.commit().await.map_err(taken(new_full_path))?;
    Ok(())
}

/// Starts deleting a group: every project below it is deleted (with its images), then the
/// group and its subgroups go ([`run_pending_group_deletions`]).
pub async fn delete_group(db: &Db, group_id: i64) -> Result<()> {
    let group = group(db, group_id).await?;
    sql::request_group_deletion(db, group.id, now_millis()).await?;
    delete_projects_below(db, &group).await
}

async fn delete_projects_below(db: &Db, group: &Namespace) -> Result<()> {
    for project_id in sql::project_ids_below(db, &group.full_path).await? {
        if !is_deletion_pending(db, project_id).await? {
            delete_project(db, project_id).await?;
        }
    }
    Ok(())
}

/// Works off group deletions: deletes projects created below since, and removes groups
/// (with their subgroups) that have no projects left. Returns how many groups were removed.
pub async fn run_pending_group_deletions(db: &Db) -> Result<usize> {
    let mut removed = 0;
    for namespace_id in sql::pending_group_deletions(db).await? {
        let Some(group) = repo::namespaces::by_id(db, namespace_id).await? else { continue };
        delete_projects_below(db, &group).await?;
        if sql::project_ids_below(db, &group.full_path).await?.is_empty() {
            sql::delete_namespace_tree(db, &group.full_path).await?;
            tracing::info!(group = %group.full_path, "group deleted");
            removed += 1;
        }
    }
    Ok(removed)
}

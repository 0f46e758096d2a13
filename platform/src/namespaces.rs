//! Groups (nested) and personal namespaces.

use berth_db::{now_millis, Db};

use crate::accounts::User;
use crate::error::{is_unique_violation, PlatformError, Result};
use crate::model::{Role, Visibility};
use crate::paths::{validate_path, MAX_REPOSITORY_PATH_LEN};
use crate::repo;
use crate::repo::members::MemberTarget;
use crate::repo::namespaces::NewNamespaceRow;
pub use crate::repo::namespaces::{Namespace, NamespaceKind};

/// The user's personal namespace, created now if they have none yet (users from before
/// namespaces existed, root).
pub async fn ensure_personal_namespace(db: &Db, user: &User) -> Result<Namespace> {
    if let Some(ns) = repo::namespaces::by_owner(db, user.id).await? {
        return Ok(ns);
    }
    match repo::namespaces::insert(&db.pool, &crate::users::personal_namespace_row(user, now_millis())).await {
        Ok(ns) => Ok(ns),
        Err(e) if is_unique_violation(&e) => match repo::namespaces::by_owner(db, user.id).await? {
            // Created concurrently.
            Some(ns) => Ok(ns),
            None => Err(PlatformError::Conflict(format!(
                "the path {:?} is taken by a group, so user {:?} cannot have a personal namespace",
                user.username, user.username
            ))),
        },
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Clone)]
pub struct NewGroup<'a> {
    /// A subgroup's parent group; `None` for a top-level group.
    pub parent_id: Option<i64>,
    pub path: &'a str,
    /// Display name; the path when empty.
    pub name: &'a str,
    pub visibility: Visibility,
}

/// Creates a group; `creator` (if any) becomes its Owner.
pub async fn create_group(db: &Db, new: &NewGroup<'_>, creator: Option<i64>) -> Result<Namespace> {
    validate_path("group path", new.path).map_err(PlatformError::Invalid)?;
    let full_path = match new.parent_id {
        None => new.path.to_string(),
        Some(parent_id) => {
            let parent = repo::namespaces::by_id(db, parent_id).await?.ok_or(PlatformError::NotFound("parent group"))?;
            if parent.kind != NamespaceKind::Group {
                return Err(PlatformError::Invalid("subgroups can only be created in a group, not in a personal namespace".into()));
            }
            check_not_more_open("group", new.visibility, "parent group", parent.visibility)?;
            format!("{}/{}", parent.full_path, new.path)
        }
    };
    check_full_path_free(db, &full_path).await?;
    let name = if new.name.trim().is_empty() { new.path } else { new.name.trim() };
    let row = NewNamespaceRow {
        kind: NamespaceKind::Group,
        parent_id: new.parent_id,
        owner_user_id: None,
        path: new.path,
        full_path: &full_path,
        name,
        visibility: new.visibility,
        created_at: now_millis(),
    };
    let group = repo::namespaces::insert(&db.pool, &row).await.map_err(|e| {
        if is_unique_violation(&e) {
            PlatformError::Conflict(format!("the path {full_path:?} is already taken"))
        } else {
            e.into()
        }
    })?;
    if let Some(user_id) = creator {
        repo::members::upsert(db, MemberTarget::Group(group.id), user_id, Role::Owner.access_level()).await?;
    }
    Ok(group)
}

pub async fn find_namespace(db: &Db, id: i64) -> Result<Option<Namespace>> {
    Ok(repo::namespaces::by_id(db, id).await?)
}

pub async fn find_namespace_by_path(db: &Db, full_path: &str) -> Result<Option<Namespace>> {
    Ok(repo::namespaces::by_full_path(db, full_path).await?)
}

/// A full path may name one group, personal namespace or project, never two: repository
/// paths must resolve to exactly one project.
pub(crate) async fn check_full_path_free(db: &Db, full_path: &str) -> Result<()> {
    if full_path.len() > MAX_REPOSITORY_PATH_LEN {
        return Err(PlatformError::Invalid(format!("full path {full_path:?} is longer than {MAX_REPOSITORY_PATH_LEN} characters")));
    }
    if repo::namespaces::by_full_path(db, full_path).await?.is_some() || repo::projects::by_full_path(db, full_path).await?.is_some() {
        return Err(PlatformError::Conflict(format!("the path {full_path:?} is already taken")));
    }
    Ok(())
}

/// A child may not be more visible than its parent (GitLab's rule).
pub(crate) fn check_not_more_open(what: &str, visibility: Visibility, parent_what: &str, parent: Visibility) -> Result<()> {
    if visibility > parent {
        return Err(PlatformError::Invalid(format!(
            "a {what} cannot be {} inside a {parent_what} that is {}",
            visibility.as_str(),
            parent.as_str()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn groups_nest_and_paths_are_unique() {
        let dir = tempfile::tempdir().unwrap();
        for (backend, url) in berth_db::testing::test_database_urls(dir.path()).await {
            let db = Db::connect(&url).await.unwrap();
            let top = create_group(&db, &NewGroup { parent_id: None, path: "acme", name: "", visibility: Visibility::Internal }, None)
                .await
                .unwrap();
            assert_eq!(top.name, "acme", "{backend}");
            let sub = NewGroup { parent_id: Some(top.id), path: "tools", name: "Tools", visibility: Visibility::Private };
            let sub = create_group(&db, &sub, None).await.unwrap();
            assert_eq!(sub.full_path, "acme/tools", "{backend}");
            assert_eq!(find_namespace_by_path(&db, "acme/tools").await.unwrap(), Some(sub.clone()), "{backend}");

            let dup =
                create_group(&db, &NewGroup { parent_id: Some(top.id), path: "tools", name: "", visibility: Visibility::Private }, None)
                    .await;
            assert!(matches!(dup, Err(PlatformError::Conflict(_))), "{backend}");
            let open =
                create_group(&db, &NewGroup { parent_id: Some(top.id), path: "pub", name: "", visibility: Visibility::Public }, None).await;
            assert!(matches!(open, Err(PlatformError::Invalid(m)) if m.contains("public")), "{backend}");
            let bad = create_group(&db, &NewGroup { parent_id: None, path: "x.git", name: "", visibility: Visibility::Public }, None).await;
            assert!(matches!(bad, Err(PlatformError::Invalid(m)) if m.contains(".git")), "{backend}");
        }
    }
}

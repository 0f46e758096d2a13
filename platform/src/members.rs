//! Memberships of groups and projects, and the effective role (highest along the path).

use berth_db::Db;

use crate::error::{PlatformError, Result};
use crate::model::Role;
use crate::repo;
pub use crate::repo::members::MemberTarget;
use crate::repo::namespaces::NamespaceKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub created_at: i64,
}

/// Adds the user to the group or project, or changes their role there. Who may do this is
/// the caller's question (`Action::ManageMembers`, `Action::GrantOwner`).
pub async fn set_member(db: &Db, target: MemberTarget, user_id: i64, role: Role) -> Result<()> {
    check_target(db, target).await?;
    repo::users::by_id(db, user_id).await?.ok_or(PlatformError::NotFound("user"))?;
    if role < Role::Owner {
        check_not_last_owner(db, target, user_id).await?;
    }
    repo::members::upsert(db, target, user_id, role.access_level()).await?;
    Ok(())
}

pub async fn remove_member(db: &Db, target: MemberTarget, user_id: i64) -> Result<()> {
    check_not_last_owner(db, target, user_id).await?;
    repo::members::remove(db, target, user_id).await?.then_some(()).ok_or(PlatformError::NotFound("member"))
}

/// Direct members, by username.
pub async fn list_members(db: &Db, target: MemberTarget) -> Result<Vec<Member>> {
    Ok(repo::members::list_direct(db, target)
        .await?
        .into_iter()
        .filter_map(|m| {
            Some(Member {
                user_id: m.user_id,
                username: m.username,
                role: Role::from_access_level(m.access_level)?,
                created_at: m.created_at,
            })
        })
        .collect())
}

/// The user's highest role on the project: direct, inherited from any group above it, or
/// Owner when it is in their personal namespace.
pub async fn effective_project_role(db: &Db, project_id: i64, user_id: i64) -> Result<Option<Role>> {
    Ok(repo::members::effective_project_level(db, project_id, user_id).await?.and_then(Role::from_access_level))
}

/// The user's highest role on the group, direct or inherited from the groups above it.
pub async fn effective_group_role(db: &Db, namespace_id: i64, user_id: i64) -> Result<Option<Role>> {
    Ok(repo::members::effective_group_level(db, namespace_id, user_id).await?.and_then(Role::from_access_level))
}

async fn check_target(db: &Db, target: MemberTarget) -> Result<()> {
    match target {
        MemberTarget::Group(id) => {
            let ns = repo::namespaces::by_id(db, id).await?.ok_or(PlatformError::NotFound("group"))?;
            if ns.kind != NamespaceKind::Group {
                return Err(PlatformError::Invalid("a personal namespace has no members; add them to its projects".into()));
            }
        }
        MemberTarget::Project(id) => {
            repo::projects::by_id(db, id).await?.ok_or(PlatformError::NotFound("project"))?;
        }
    }
    Ok(())
}

/// A group keeps at least one direct Owner.
async fn check_not_last_owner(db: &Db, target: MemberTarget, user_id: i64) -> Result<()> {
    if let MemberTarget::Group(_) = target {
        let owner = Role::Owner.access_level();
        if repo::members::direct_level(db, target, user_id).await? == Some(owner)
            && repo::members::count_at_level(db, target, owner).await? <= 1
        {
            return Err(PlatformError::Invalid("a group must keep at least one Owner".into()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RegistryAccessLevel, Visibility};
    use crate::namespaces::{create_group, ensure_personal_namespace, NewGroup};
    use crate::projects::{create_project, NewProject};
    use crate::users::{create_user, NewUser};

    #[tokio::test]
    async fn roles_are_inherited_down_the_group_tree_and_the_highest_wins() {
        let dir = tempfile::tempdir().unwrap();
        for (backend, url) in berth_db::testing::test_database_urls(dir.path()).await {
            let db = Db::connect(&url).await.unwrap();
            let user = |name: &'static str| NewUser {
                username: name,
                name: "",
                email: Box::leak(format!("{name}@x.org").into_boxed_str()),
                password: "password1",
                is_admin: false,
            };
            let owner = create_user(&db, &user("owner")).await.unwrap();
            let dev = create_user(&db, &user("dev")).await.unwrap();
            let outsider = create_user(&db, &user("outsider")).await.unwrap();

            let top =
                create_group(&db, &NewGroup { parent_id: None, path: "top", name: "", visibility: Visibility::Private }, Some(owner.id))
                    .await
                    .unwrap();
            let sub =
                create_group(&db, &NewGroup { parent_id: Some(top.id), path: "sub", name: "", visibility: Visibility::Private }, None)
                    .await
                    .unwrap();
            let project = |ns, path| NewProject {
                namespace_id: ns,
                path,
                name: "",
                visibility: Visibility::Private,
                registry_access: RegistryAccessLevel::Enabled,
            };
            let p = create_project(&db, &project(sub.id, "app")).await.unwrap();

            assert_eq!(effective_project_role(&db, p.id, owner.id).await.unwrap(), Some(Role::Owner), "{backend}: inherited from top");
            assert_eq!(effective_group_role(&db, sub.id, owner.id).await.unwrap(), Some(Role::Owner), "{backend}");
            assert_eq!(effective_project_role(&db, p.id, outsider.id).await.unwrap(), None, "{backend}");

            set_member(&db, MemberTarget::Group(top.id), dev.id, Role::Reporter).await.unwrap();
            set_member(&db, MemberTarget::Project(p.id), dev.id, Role::Developer).await.unwrap();
            assert_eq!(effective_project_role(&db, p.id, dev.id).await.unwrap(), Some(Role::Developer), "{backend}");
            set_member(&db, MemberTarget::Group(sub.id), dev.id, Role::Maintainer).await.unwrap();
            assert_eq!(effective_project_role(&db, p.id, dev.id).await.unwrap(), Some(Role::Maintainer), "{backend}: highest wins");
            assert_eq!(effective_group_role(&db, top.id, dev.id).await.unwrap(), Some(Role::Reporter), "{backend}: not upwards");
            remove_member(&db, MemberTarget::Group(sub.id), dev.id).await.unwrap();
            assert_eq!(effective_project_role(&db, p.id, dev.id).await.unwrap(), Some(Role::Developer), "{backend}");

            let members = list_members(&db, MemberTarget::Group(top.id)).await.unwrap();
            let names: Vec<_> = members.iter().map(|m| (m.username.as_str(), m.role)).collect();
            assert_eq!(names, vec![("dev", Role::Reporter), ("owner", Role::Owner)], "{backend}");

            assert!(matches!(remove_member(&db, MemberTarget::Group(top.id), owner.id).await, Err(PlatformError::Invalid(_))), "{backend}");
            assert!(
                matches!(set_member(&db, MemberTarget::Group(top.id), owner.id, Role::Guest).await, Err(PlatformError::Invalid(_))),
                "{backend}"
            );

            // Personal namespace: its user is Owner of its projects.
            let home = ensure_personal_namespace(&db, &outsider).await.unwrap();
            let mine = create_project(&db, &project(home.id, "mine")).await.unwrap();
            assert_eq!(effective_project_role(&db, mine.id, outsider.id).await.unwrap(), Some(Role::Owner), "{backend}");
            assert_eq!(effective_project_role(&db, mine.id, dev.id).await.unwrap(), None, "{backend}");
            assert!(
                matches!(set_member(&db, MemberTarget::Group(home.id), dev.id, Role::Guest).await, Err(PlatformError::Invalid(_))),
                "{backend}"
            );
        }
    }
}

//! Creating and administering users. Every user gets a personal namespace named after them.

use berth_db::{now_millis, Db};

use crate::accounts::User;
use crate::error::{is_unique_violation, PlatformError, Result};
use crate::model::Visibility;
use crate::passwords::hash_password;
use crate::paths::validate_path;
use crate::repo;
use crate::repo::namespaces::{NamespaceKind, NewNamespaceRow};

/// The shortest password accepted for a new user.
pub const MIN_PASSWORD_LEN: usize = 8;

#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    /// Same rules as a group or project path (it becomes the personal namespace's path).
    pub username: &'a str,
    /// Display name; the username when empty.
    pub name: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub is_admin: bool,
}

/// Creates the user and their personal namespace, in one transaction.
pub async fn create_user(db: &Db, new: &NewUser<'_>) -> Result<User> {
    validate_path("username", new.username).map_err(PlatformError::Invalid)?;
    validate_email(new.email).map_err(PlatformError::Invalid)?;
    if new.password.chars().count() < MIN_PASSWORD_LEN {
        return Err(PlatformError::Invalid(format!("password must be at least {MIN_PASSWORD_LEN} characters")));
    }
    if crate::accounts::find_by_username(db, new.username).await?.is_some()
        || repo::namespaces::by_full_path(db, new.username).await?.is_some()
    {
        return Err(PlatformError::Conflict(format!("username {:?} is already taken", new.username)));
    }
    if repo::users::email_taken(db, new.email).await? {
        return Err(PlatformError::Conflict(format!("email {:?} is already in use", new.email)));
    }
    let password_hash = hash_password(new.password).map_err(|e| PlatformError::Hash(e.to_string()))?;
    let name = if new.name.trim().is_empty() { new.username } else { new.name.trim() };
    let now = now_millis();
    let mut tx = db.pool.begin().await?;
    let user = repo::users::insert(
        &mut *tx,
        &repo::users::NewUserRow {
            username: new.username,
            name,
            email: new.email,
            password_hash: &password_hash,
            is_admin: new.is_admin,
            created_at: now,
        },
    )
    .await
    .map_err(taken)?;
    repo::namespaces::insert(&mut *tx, &personal_namespace_row(&user, now)).await.map_err(taken)?;
    tx.commit().await?;
    Ok(user)
}

pub(crate) fn personal_namespace_row(user: &User, now: i64) -> NewNamespaceRow<'_> {
    NewNamespaceRow {
        kind: NamespaceKind::User,
        parent_id: None,
        owner_user_id: Some(user.id),
        path: &user.username,
        full_path: &user.username,
        name: &user.username,
        visibility: Visibility::Public,
        created_at: now,
    }
}

fn taken(e: berth_db::sqlx::Error) -> PlatformError {
    if is_unique_violation(&e) {
        PlatformError::Conflict("username or email is already taken".into())
    } else {
        e.into()
    }
}

fn validate_email(email: &str) -> std::result::Result<(), String> {
    let ok = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty() && !domain.contains('@'));
    if ok {
        Ok(())
    } else {
        Err(format!("email {email:?} is not an address of the form name@domain"))
    }
}

pub async fn find_user(db: &Db, id: i64) -> Result<Option<User>> {
    Ok(repo::users::by_id(db, id).await?)
}

/// Blocks or unblocks a user: a blocked user cannot sign in, and none of their tokens work.
pub async fn set_blocked(db: &Db, user_id: i64, blocked: bool) -> Result<()> {
    repo::users::set_blocked(db, user_id, blocked).await?.then_some(()).ok_or(PlatformError::NotFound("user"))
}

pub async fn set_admin(db: &Db, user_id: i64, admin: bool) -> Result<()> {
    repo::users::set_admin(db, user_id, admin).await?.then_some(()).ok_or(PlatformError::NotFound("user"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn users_get_a_personal_namespace_and_names_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        for (backend, url) in berth_db::testing::test_database_urls(dir.path()).await {
            let db = Db::connect(&url).await.unwrap();
            let new = NewUser { username: "alice", name: "", email: "alice@example.com", password: "password1", is_admin: false };
            let alice = create_user(&db, &new).await.unwrap();
            assert_eq!(alice.name, "alice", "{backend}");
            let ns = crate::namespaces::ensure_personal_namespace(&db, &alice).await.unwrap();
            assert_eq!((ns.full_path.as_str(), ns.owner_user_id), ("alice", Some(alice.id)), "{backend}");

            let again = create_user(&db, &NewUser { email: "other@example.com", ..new.clone() }).await;
            assert!(matches!(again, Err(PlatformError::Conflict(m)) if m.contains("username")), "{backend}");
            let same_mail = create_user(&db, &NewUser { username: "alice2", email: "ALICE@example.com", ..new.clone() }).await;
            assert!(matches!(same_mail, Err(PlatformError::Conflict(m)) if m.contains("email")), "{backend}");
            let bad = create_user(&db, &NewUser { username: "Alice", ..new.clone() }).await;
            assert!(matches!(bad, Err(PlatformError::Invalid(m)) if m.contains("lowercase")), "{backend}");
            let short = create_user(&db, &NewUser { username: "bob", email: "b@x", password: "short", ..new.clone() }).await;
            assert!(matches!(short, Err(PlatformError::Invalid(m)) if m.contains("8")), "{backend}");
            let mail = create_user(&db, &NewUser { username: "bob", email: "bob", ..new.clone() }).await;
            assert!(matches!(mail, Err(PlatformError::Invalid(m)) if m.contains("email")), "{backend}");

            set_blocked(&db, alice.id, true).await.unwrap();
            assert!(find_user(&db, alice.id).await.unwrap().unwrap().is_blocked, "{backend}");
            assert!(crate::accounts::authenticate_password(&db, "alice", "password1").await.unwrap().is_none(), "{backend}");

            // Root gets its personal namespace too.
            crate::accounts::ensure_root(&db, Some("rootpassword")).await.unwrap();
            assert!(repo::namespaces::by_full_path(&db, "root").await.unwrap().is_some(), "{backend}");
        }
    }
}

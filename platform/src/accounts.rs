//! User accounts: the SQL and the rules around the administrator created on first start.

use berth_db::sqlx::{self, Row};
use berth_db::{now_millis, Db};

use crate::passwords::{generate_password, hash_password, verify_password};

pub const ROOT_USERNAME: &str = "root";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub email: String,
    pub is_admin: bool,
    pub is_blocked: bool,
}

/// The platform's service error (kept under its first name for existing callers).
pub type AccountError = crate::error::PlatformError;

/// What first start did about the administrator account.
#[derive(Debug, PartialEq, Eq)]
pub enum RootAccount {
    /// Created now with this generated password, to be shown once.
    CreatedWithGeneratedPassword(String),
    /// Created now with the configured password.
    CreatedWithConfiguredPassword,
    /// Already there from an earlier start; left untouched.
    AlreadyPresent,
}

/// Creates the `root` administrator unless it exists. `configured_password` comes from
/// `BERTH_INITIAL_ROOT_PASSWORD`; without it a random password is generated.
pub async fn ensure_root(db: &Db, configured_password: Option<&str>) -> Result<RootAccount, AccountError> {
    if find_by_username(db, ROOT_USERNAME).await?.is_some() {
        // Databases from before personal namespaces existed get root's now.
        ensure_root_namespace(db).await?;
        return Ok(RootAccount::AlreadyPresent);
    }
    let (password, outcome) = match configured_password {
        Some(p) => (p.to_string(), RootAccount::CreatedWithConfiguredPassword),
        None => {
            let p = generate_password(24);
            (p.clone(), RootAccount::CreatedWithGeneratedPassword(p))
        }
    };
    let hash = hash_password(&password).map_err(|e| AccountError::Hash(e.to_string()))?;
    // Two nodes starting at once on one PostgreSQL database: the loser's insert is a no-op.
    sqlx::query(
        "INSERT INTO users (username, name, email, password_hash, is_admin, is_blocked, created_at) \
         VALUES ($1, $2, $3, $4, 1, 0, $5) ON CONFLICT (username) DO NOTHING",
    )
    .bind(ROOT_USERNAME)
    .bind("Administrator")
    .bind("admin@example.com")
    .bind(hash)
    .bind(now_millis())
    .execute(&db.pool)
    .await?;
    ensure_root_namespace(db).await?;
    Ok(outcome)
}

async fn ensure_root_namespace(db: &Db) -> Result<(), AccountError> {
    let root = find_by_username(db, ROOT_USERNAME).await?.ok_or(crate::error::PlatformError::NotFound("root user"))?;
    crate::namespaces::ensure_personal_namespace(db, &root).await?;
    Ok(())
}

pub async fn find_by_username(db: &Db, username: &str) -> Result<Option<User>, AccountError> {
    let row = sqlx::query("SELECT id, username, name, email, is_admin, is_blocked FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| User {
        id: r.get("id"),
        username: r.get("username"),
        name: r.get("name"),
        email: r.get("email"),
        is_admin: r.get::<i64, _>("is_admin") == 1,
        is_blocked: r.get::<i64, _>("is_blocked") == 1,
    }))
}

/// The user whose username and password match, unless blocked.
pub async fn authenticate_password(db: &Db, username: &str, password: &str) -> Result<Option<User>, AccountError> {
    Ok(check_password(db, username, password).await?.filter(|u| !u.is_blocked))
}

/// The user whose username and password match, blocked or not (callers that must tell a
/// blocked account apart from a wrong password).
pub async fn check_password(db: &Db, username: &str, password: &str) -> Result<Option<User>, AccountError> {
    let row = sqlx::query("SELECT password_hash FROM users WHERE username = $1").bind(username).fetch_optional(&db.pool).await?;
    let Some(row) = row else { return Ok(None) };
    let hash: String = row.get("password_hash");
    if !verify_password(password, &hash) {
        return Ok(None);
    }
    find_by_username(db, username).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn root_is_created_once_on_every_backend() {
        let dir = tempfile::tempdir().unwrap();
        for (backend, url) in berth_db::testing::test_database_urls(dir.path()).await {
            let db = Db::connect(&url).await.unwrap();
            let first = ensure_root(&db, None).await.unwrap();
            let RootAccount::CreatedWithGeneratedPassword(password) = first else {
                panic!("{backend}: first start must generate a password, got {first:?}");
            };
            assert_eq!(ensure_root(&db, Some("other")).await.unwrap(), RootAccount::AlreadyPresent, "{backend}");
            let root = authenticate_password(&db, ROOT_USERNAME, &password).await.unwrap();
            assert!(root.as_ref().is_some_and(|u| u.is_admin), "{backend}: root signs in as admin");
            assert!(authenticate_password(&db, ROOT_USERNAME, "other").await.unwrap().is_none(), "{backend}");
            assert!(authenticate_password(&db, "nobody", &password).await.unwrap().is_none(), "{backend}");
        }
    }

    #[tokio::test]
    async fn a_configured_root_password_is_used() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&Db::sqlite_url(&dir.path().join("b.db"))).await.unwrap();
        assert_eq!(ensure_root(&db, Some("s3cret-pass")).await.unwrap(), RootAccount::CreatedWithConfiguredPassword);
        assert!(authenticate_password(&db, ROOT_USERNAME, "s3cret-pass").await.unwrap().is_some());
    }
}

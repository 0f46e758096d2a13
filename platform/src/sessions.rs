//! Web sign-in sessions. The browser holds a random secret in a cookie; the database holds
//! only its SHA-256, the user and a fixed expiry. A session of a blocked user resolves to
//! nobody, so blocking takes effect on the next request.

use berth_db::sqlx::{self, Row};
use berth_db::{now_millis, Db};

use crate::accounts::User;
use crate::error::{PlatformError, Result};
use crate::secrets::{generate_secret, hash_secret};

/// The name of the cookie that holds the session secret (the web UI sets it; the REST API
/// accepts it too).
pub use crate::front_door::session_cookie::SESSION_COOKIE;
/// Prefix of session secrets (so a leaked one is recognisable).
pub const SESSION_PREFIX: &str = "bsess-";
/// How long a session lasts after sign-in.
pub const SESSION_LIFETIME_MILLIS: i64 = 7 * 24 * 60 * 60 * 1000;

/// A new session: the secret for the cookie, shown to nobody else.
#[derive(Debug, Clone)]
pub struct CreatedSession {
    pub secret: String,
    pub expires_at: i64,
}

/// Starts a session for the user (who must exist and not be blocked).
pub async fn create_session(db: &Db, user_id: i64, lifetime_millis: i64) -> Result<CreatedSession> {
    if lifetime_millis <= 0 {
        return Err(PlatformError::Invalid("a session needs a positive lifetime".into()));
    }
    let user = crate::repo::users::by_id(db, user_id).await?.ok_or(PlatformError::NotFound("user"))?;
    if user.is_blocked {
        return Err(PlatformError::Invalid("this account is blocked".into()));
    }
    let secret = generate_secret(SESSION_PREFIX);
    let now = now_millis();
    let expires_at = now + lifetime_millis;
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(hash_secret(&secret))
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .execute(&db.pool)
        .await?;
    Ok(CreatedSession { secret, expires_at })
}

/// The user of a live session: unknown, expired sessions and blocked users give `None`.
pub async fn session_user(db: &Db, secret: &str) -> Result<Option<User>> {
    if !secret.starts_with(SESSION_PREFIX) {
        return Ok(None);
    }
    let row = sqlx::query("SELECT user_id FROM sessions WHERE token_hash = $1 AND expires_at > $2")
        .bind(hash_secret(secret))
        .bind(now_millis())
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let user = crate::repo::users::by_id(db, row.get("user_id")).await?;
    Ok(user.filter(|u| !u.is_blocked))
}

/// Ends the session (sign-out). Unknown secrets are ignored.
pub async fn delete_session(db: &Db, secret: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(hash_secret(secret)).execute(&db.pool).await?;
    Ok(())
}

/// Ends every session of the user (e.g. when an administrator blocks them).
pub async fn delete_sessions_of_user(db: &Db, user_id: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&db.pool).await?.rows_affected())
}

/// Removes expired sessions; returns how many.
pub async fn purge_expired_sessions(db: &Db) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now_millis()).execute(&db.pool).await?.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::{create_user, set_blocked, NewUser};

    #[tokio::test]
    async fn sessions_resolve_until_they_end() {
        let dir = tempfile::tempdir().unwrap();
        for (backend, url) in berth_db::testing::test_database_urls(dir.path()).await {
            let db = Db::connect(&url).await.unwrap();
            let new = NewUser { username: "alice", name: "", email: "alice@example.com", password: "password1", is_admin: false };
            let alice = create_user(&db, &new).await.unwrap();

            let s = create_session(&db, alice.id, SESSION_LIFETIME_MILLIS).await.unwrap();
            assert!(s.secret.starts_with(SESSION_PREFIX), "{backend}");
            assert_eq!(session_user(&db, &s.secret).await.unwrap().map(|u| u.id), Some(alice.id), "{backend}");
            assert_eq!(session_user(&db, "bsess-nope").await.unwrap(), None, "{backend}");
            assert_eq!(session_user(&db, "").await.unwrap(), None, "{backend}");

            // Blocked users have no session; unblocking does not revive deleted ones.
            set_blocked(&db, alice.id, true).await.unwrap();
            assert_eq!(session_user(&db, &s.secret).await.unwrap(), None, "{backend}");
            assert!(create_session(&db, alice.id, SESSION_LIFETIME_MILLIS).await.is_err(), "{backend}");
            set_blocked(&db, alice.id, false).await.unwrap();
            assert!(session_user(&db, &s.secret).await.unwrap().is_some(), "{backend}");

            delete_session(&db, &s.secret).await.unwrap();
            assert_eq!(session_user(&db, &s.secret).await.unwrap(), None, "{backend}");

            // Expired sessions resolve to nobody and are purged.
            let short = create_session(&db, alice.id, 1).await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            assert_eq!(session_user(&db, &short.secret).await.unwrap(), None, "{backend}");
            assert_eq!(purge_expired_sessions(&db).await.unwrap(), 1, "{backend}");

            let a = create_session(&db, alice.id, SESSION_LIFETIME_MILLIS).await.unwrap();
            let _b = create_session(&db, alice.id, SESSION_LIFETIME_MILLIS).await.unwrap();
            assert_eq!(delete_sessions_of_user(&db, alice.id).await.unwrap(), 2, "{backend}");
            assert_eq!(session_user(&db, &a.secret).await.unwrap(), None, "{backend}");
        }
    }
}

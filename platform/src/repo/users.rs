//! SQL of `users` beyond what `accounts` needs for the root account.

use berth_db::sqlx::{self, any::AnyRow, Any, Executor, Row};
use berth_db::Db;

use crate::accounts::User;

const COLUMNS: &str = "id, username, name, email, is_admin, is_blocked";

pub(crate) fn from_row(r: &AnyRow) -> User {
    User {
        id: r.get("id"),
        username: r.get("username"),
        name: r.get("name"),
        email: r.get("email"),
        is_admin: super::flag(r, "is_admin"),
        is_blocked: super::flag(r, "is_blocked"),
    }
}

pub struct NewUserRow<'a> {
    pub username: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub is_admin: bool,
    pub created_at: i64,
}

pub async fn insert<'c, E: Executor<'c, Database = Any>>(e: E, u: &NewUserRow<'_>) -> sqlx::Result<User> {
    let row = sqlx::query(&format!(
        "INSERT INTO users (username, name, email, password_hash, is_admin, is_blocked, created_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6) RETURNING {COLUMNS}"
    ))
    .bind(u.username)
    .bind(u.name)
    .bind(u.email)
    .bind(u.password_hash)
    .bind(u.is_admin as i64)
    .bind(u.created_at)
    .fetch_one(e)
    .await?;
    Ok(from_row(&row))
}

pub async fn by_id(db: &Db, id: i64) -> sqlx::Result<Option<User>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE id = $1")).bind(id).fetch_optional(&db.pool).await?;
    Ok(row.as_ref().map(from_row))
}

pub async fn email_taken(db: &Db, email: &str) -> sqlx::Result<bool> {
    Ok(sqlx::query("SELECT 1 FROM users WHERE LOWER(email) = LOWER($1)").bind(email).fetch_optional(&db.pool).await?.is_some())
}

pub async fn set_blocked(db: &Db, id: i64, blocked: bool) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE users SET is_blocked = $1 WHERE id = $2").bind(blocked as i64).bind(id).execute(&db.pool).await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_admin(db: &Db, id: i64, admin: bool) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE users SET is_admin = $1 WHERE id = $2").bind(admin as i64).bind(id).execute(&db.pool).await?;
    Ok(done.rows_affected() == 1)
}

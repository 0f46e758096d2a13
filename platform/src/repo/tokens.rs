//! SQL of `personal_access_tokens`, `deploy_tokens` and `job_tokens`. Secrets arrive here
//! already hashed.

use berth_db::sqlx::{self, any::AnyRow, Row};
use berth_db::Db;

use crate::model::Scopes;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalAccessToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub scopes: Scopes,
    pub expires_at: Option<i64>,
    pub revoked: bool,
    pub last_used_at: Option<i64>,
    pub created_at: i64,
}

const PAT_COLUMNS: &str = "id, user_id, name, scopes, expires_at, revoked, last_used_at, created_at";

fn pat_from_row(r: &AnyRow) -> PersonalAccessToken {
    PersonalAccessToken {
        id: r.get("id"),
        user_id: r.get("user_id"),
        name: r.get("name"),
        scopes: Scopes::from_db(&r.get::<String, _>("scopes")),
        expires_at: r.get("expires_at"),
        revoked: super::flag(r, "revoked"),
        last_used_at: r.get("last_used_at"),
        created_at: r.get("created_at"),
    }
}

pub async fn insert_pat(
    db: &Db,
    user_id: i64,
    name: &str,
    token_hash: &str,
    scopes: Scopes,
    expires_at: Option<i64>,
    created_at: i64,
) -> sqlx::Result<PersonalAccessToken> {
    let row = sqlx::query(&format!(
        "INSERT INTO personal_access_tokens (user_id, name, token_hash, scopes, expires_at, revoked, created_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6) RETURNING {PAT_COLUMNS}"
    ))
    .bind(user_id)
    .bind(name)
    .bind(token_hash)
    .bind(scopes.to_db())
    .bind(expires_at)
    .bind(created_at)
    .fetch_one(&db.pool)
    .await?;
    Ok(pat_from_row(&row))
}

pub async fn pat_by_hash(db: &Db, token_hash: &str) -> sqlx::Result<Option<PersonalAccessToken>> {
    let row = sqlx::query(&format!("SELECT {PAT_COLUMNS} FROM personal_access_tokens WHERE token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(pat_from_row))
}

pub async fn pats_of_user(db: &Db, user_id: i64) -> sqlx::Result<Vec<PersonalAccessToken>> {
    let rows = sqlx::query(&format!("SELECT {PAT_COLUMNS} FROM personal_access_tokens WHERE user_id = $1 ORDER BY id"))
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(pat_from_row).collect())
}

pub async fn revoke_pat(db: &Db, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE personal_access_tokens SET revoked = 1 WHERE id = $1").bind(id).execute(&db.pool).await?;
    Ok(done.rows_affected() == 1)
}

pub async fn touch_pat(db: &Db, id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE personal_access_tokens SET last_used_at = $1 WHERE id = $2").bind(now).bind(id).execute(&db.pool).await?;
    Ok(())
}

/// What a deploy token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeployTokenOwner {
    Project(i64),
    /// A group (namespace id): covers its projects and subgroups.
    Group(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployToken {
    pub id: i64,
    pub owner: DeployTokenOwner,
    pub name: String,
    /// The login name: custom, or `gitlab+deploy-token-<id>`.
    pub username: String,
    pub scopes: Scopes,
    pub expires_at: Option<i64>,
    pub revoked: bool,
    pub created_at: i64,
}

const DEPLOY_COLUMNS: &str = "id, project_id, namespace_id, name, username, scopes, expires_at, revoked, created_at";

/// The login name of a deploy token without a custom one.
pub fn default_deploy_username(id: i64) -> String {
    format!("gitlab+deploy-token-{id}")
}

fn deploy_from_row(r: &AnyRow) -> DeployToken {
    let id: i64 = r.get("id");
    let project_id: Option<i64> = r.get("project_id");
    let namespace_id: Option<i64> = r.get("namespace_id");
    DeployToken {
        id,
        owner: match project_id {
            Some(p) => DeployTokenOwner::Project(p),
            None => DeployTokenOwner::Group(namespace_id.unwrap_or_default()),
        },
        name: r.get("name"),
        username: r.get::<Option<String>, _>("username").unwrap_or_else(|| default_deploy_username(id)),
        scopes: Scopes::from_db(&r.get::<String, _>("scopes")),
        expires_at: r.get("expires_at"),
        revoked: super::flag(r, "revoked"),
        created_at: r.get("created_at"),
    }
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_deploy_token(
    db: &Db,
    owner: DeployTokenOwner,
    name: &str,
    username: Option<&str>,
    token_hash: &str,
    scopes: Scopes,
    expires_at: Option<i64>,
    created_at: i64,
) -> sqlx::Result<DeployToken> {
    let (project_id, namespace_id) = match owner {
        DeployTokenOwner::Project(p) => (Some(p), None),
        DeployTokenOwner::Group(g) => (None, Some(g)),
    };
    let row = sqlx::query(&format!(
        "INSERT INTO deploy_tokens (project_id, namespace_id, name, username, token_hash, scopes, expires_at, revoked, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8) RETURNING {DEPLOY_COLUMNS}"
    ))
    .bind(project_id)
    .bind(namespace_id)
    .bind(name)
    .bind(username)
    .bind(token_hash)
    .bind(scopes.to_db())
    .bind(expires_at)
    .bind(created_at)
    .fetch_one(&db.pool)
    .await?;
    Ok(deploy_from_row(&row))
}

pub async fn deploy_token_by_hash(db: &Db, token_hash: &str) -> sqlx::Result<Option<DeployToken>> {
    let row = sqlx::query(&format!("SELECT {DEPLOY_COLUMNS} FROM deploy_tokens WHERE token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(deploy_from_row))
}

pub async fn deploy_tokens_of(db: &Db, owner: DeployTokenOwner) -> sqlx::Result<Vec<DeployToken>> {
    let (column, id) = match owner {
        DeployTokenOwner::Project(p) => ("project_id", p),
        DeployTokenOwner::Group(g) => ("namespace_id", g),
    };
    let rows = sqlx::query(&format!("SELECT {DEPLOY_COLUMNS} FROM deploy_tokens WHERE {column} = $1 ORDER BY id"))
        .bind(id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(deploy_from_row).collect())
}

pub async fn revoke_deploy_token(db: &Db, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE deploy_tokens SET revoked = 1 WHERE id = $1").bind(id).execute(&db.pool).await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobToken {
    pub id: i64,
    pub project_id: i64,
    pub user_id: i64,
    pub expires_at: i64,
    pub created_at: i64,
}

const JOB_COLUMNS: &str = "id, project_id, user_id, expires_at, created_at";

fn job_from_row(r: &AnyRow) -> JobToken {
    JobToken {
        id: r.get("id"),
        project_id: r.get("project_id"),
        user_id: r.get("user_id"),
        expires_at: r.get("expires_at"),
        created_at: r.get("created_at"),
    }
}

pub async fn insert_job_token(
    db: &Db,
    project_id: i64,
    user_id: i64,
    token_hash: &str,
    expires_at: i64,
    created_at: i64,
) -> sqlx::Result<JobToken> {
    let row = sqlx::query(&format!(
        "INSERT INTO job_tokens (project_id, user_id, token_hash, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING {JOB_COLUMNS}"
    ))
    .bind(project_id)
    .bind(user_id)
    .bind(token_hash)
    .bind(expires_at)
    .bind(created_at)
    .fetch_one(&db.pool)
    .await?;
    Ok(job_from_row(&row))
}

pub async fn job_token_by_hash(db: &Db, token_hash: &str) -> sqlx::Result<Option<JobToken>> {
    let row = sqlx::query(&format!("SELECT {JOB_COLUMNS} FROM job_tokens WHERE token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(job_from_row))
}

pub async fn delete_job_token(db: &Db, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM job_tokens WHERE id = $1").bind(id).execute(&db.pool).await?;
    Ok(done.rows_affected() == 1)
}

/// Removes job tokens that expired before `now`; returns how many.
pub async fn delete_expired_job_tokens(db: &Db, now: i64) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM job_tokens WHERE expires_at <= $1").bind(now).execute(&db.pool).await?;
    Ok(done.rows_affected())
}

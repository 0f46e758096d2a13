//! SQL of `group_members` and `project_members`, and the effective (inherited) role.

use berth_db::sqlx::{self, Row};
use berth_db::{now_millis, Db};

/// Where a membership lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberTarget {
    /// A group (namespace id).
    Group(i64),
    Project(i64),
}

impl MemberTarget {
    fn table_and_column(self) -> (&'static str, &'static str, i64) {
        match self {
            MemberTarget::Group(id) => ("group_members", "namespace_id", id),
            MemberTarget::Project(id) => ("project_members", "project_id", id),
        }
    }
}

/// A direct membership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub user_id: i64,
    pub username: String,
    pub access_level: i64,
    pub created_at: i64,
}

pub async fn upsert(db: &Db, target: MemberTarget, user_id: i64, access_level: i64) -> sqlx::Result<()> {
    let (table, column, id) = target.table_and_column();
    sqlx::query(&format!(
        "INSERT INTO {table} ({column}, user_id, access_level, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT ({column}, user_id) DO UPDATE SET access_level = excluded.access_level"
    ))
    .bind(id)
    .bind(user_id)
    .bind(access_level)
    .bind(now_millis())
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn remove(db: &Db, target: MemberTarget, user_id: i64) -> sqlx::Result<bool> {
    let (table, column, id) = target.table_and_column();
    let done =
        sqlx::query(&format!("DELETE FROM {table} WHERE {column} = $1 AND user_id = $2")).bind(id).bind(user_id).execute(&db.pool).await?;
    Ok(done.rows_affected() == 1)
}

pub async fn direct_level(db: &Db, target: MemberTarget, user_id: i64) -> sqlx::Result<Option<i64>> {
    let (table, column, id) = target.table_and_column();
    let row = sqlx::query(&format!("SELECT access_level FROM {table} WHERE {column} = $1 AND user_id = $2"))
        .bind(id)
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| r.get("access_level")))
}

pub async fn count_at_level(db: &Db, target: MemberTarget, access_level: i64) -> sqlx::Result<i64> {
    let (table, column, id) = target.table_and_column();
    let row = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} = $1 AND access_level = $2"))
        .bind(id)
        .bind(access_level)
        .fetch_one(&db.pool)
        .await?;
    Ok(row.get("n"))
}

pub async fn list_direct(db: &Db, target: MemberTarget) -> sqlx::Result<Vec<MemberRow>> {
    let (table, column, id) = target.table_and_column();
    let rows = sqlx::query(&format!(
        "SELECT m.user_id, u.username, m.access_level, m.created_at FROM {table} m \
         JOIN users u ON u.id = m.user_id WHERE m.{column} = $1 ORDER BY u.username"
    ))
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| MemberRow {
            user_id: r.get("user_id"),
            username: r.get("username"),
            access_level: r.get("access_level"),
            created_at: r.get("created_at"),
        })
        .collect())
}

/// The chain of a namespace and its ancestors, as a CTE named `chain(id, owner_user_id)`
/// rooted at the namespace selected by `root`.
fn chain_cte(root: &str) -> String {
    format!(
        "WITH RECURSIVE chain(id, parent_id, owner_user_id) AS ( \
             SELECT n.id, n.parent_id, n.owner_user_id FROM namespaces n WHERE n.id = ({root}) \
             UNION ALL \
             SELECT n.id, n.parent_id, n.owner_user_id FROM namespaces n JOIN chain c ON n.id = c.parent_id \
         )"
    )
}

/// The highest access level of the user on the project: its own membership, any group's
/// above it, and Owner (50) of a personal namespace.
pub async fn effective_project_level(db: &Db, project_id: i64, user_id: i64) -> sqlx::Result<Option<i64>> {
    let sql = format!(
        "{} SELECT MAX(level) AS level FROM ( \
             SELECT access_level AS level FROM project_members WHERE project_id = $1 AND user_id = $2 \
             UNION ALL SELECT gm.access_level FROM group_members gm JOIN chain c ON gm.namespace_id = c.id WHERE gm.user_id = $2 \
             UNION ALL SELECT CAST(50 AS BIGINT) FROM chain c WHERE c.owner_user_id = $2 \
         ) levels",
        chain_cte("SELECT namespace_id FROM projects WHERE id = $1")
    );
    let row = sqlx::query(&sql).bind(project_id).bind(user_id).fetch_one(&db.pool).await?;
    Ok(row.get("level"))
}

/// The highest access level of the user on a group, inherited from the groups above it.
pub async fn effective_group_level(db: &Db, namespace_id: i64, user_id: i64) -> sqlx::Result<Option<i64>> {
    let sql = format!(
        "{} SELECT MAX(level) AS level FROM ( \
             SELECT gm.access_level AS level FROM group_members gm JOIN chain c ON gm.namespace_id = c.id WHERE gm.user_id = $2 \
             UNION ALL SELECT CAST(50 AS BIGINT) FROM chain c WHERE c.owner_user_id = $2 \
         ) levels",
        chain_cte("SELECT CAST($1 AS BIGINT)")
    );
    let row = sqlx::query(&sql).bind(namespace_id).bind(user_id).fetch_one(&db.pool).await?;
    Ok(row.get("level"))
}

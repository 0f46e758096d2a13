//! SQL of renaming, moving and deleting projects and groups: registry tag counts, path
//! rewrites across `namespaces`, `projects` and `repositories`, and the deletion work tables
//! (`project_deletions`, `group_deletions`).
//!
//! Path rewrites take an open transaction (`&mut AnyConnection`) so that the "no tags" check
//! and the rewrite happen together; [`lock_registry_paths`] makes concurrent pushes wait.

use berth_db::sqlx::{self, AnyConnection, Row};
use berth_db::{Backend, Db};

/// `path` is `prefix` itself or lies below it (`prefix/...`), as SQL on column `col`; the
/// prefix is bound as `$1`.
fn at_or_below(col: &str) -> String {
    format!("({col} = $1 OR substr({col}, 1, length($1) + 1) = $1 || '/')")
}

/// Takes the registry's write lock (SQLite: the single writer; PostgreSQL: row locks on the
/// repositories at or below `prefix`, which every push to them updates) for the rest of the
/// transaction.
pub async fn lock_registry_paths(conn: &mut AnyConnection, backend: Backend, prefix: &str) -> sqlx::Result<()> {
    match backend {
        Backend::Sqlite => {
            sqlx::query("UPDATE registry_write_lock SET n = n + 1 WHERE id = 1").execute(&mut *conn).await?;
        }
        Backend::Postgres => {
            sqlx::query(&format!("SELECT id FROM repositories WHERE {} FOR UPDATE", at_or_below("path")))
                .bind(prefix)
                .fetch_all(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// Tags in the registry of one project: repositories at or below its path, and any repository
/// recorded as the project's (`repositories.project_id`).
pub async fn project_tag_count(conn: &mut AnyConnection, project_id: i64, full_path: &str) -> sqlx::Result<i64> {
    let row = sqlx::query(&format!(
        "SELECT COUNT(*) AS n FROM tags t JOIN repositories r ON r.id = t.repository_id \
         WHERE {} OR r.project_id = $2",
        at_or_below("r.path")
    ))
    .bind(full_path)
    .bind(project_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.get("n"))
}

/// Tags in the registry of every project below a namespace (by path, and by
/// `repositories.project_id` of the projects below it).
pub async fn tag_count_below(conn: &mut AnyConnection, namespace_full_path: &str) -> sqlx::Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM tags t JOIN repositories r ON r.id = t.repository_id \
         WHERE substr(r.path, 1, length($1) + 1) = $1 || '/' \
            OR r.project_id IN (SELECT p.id FROM projects p WHERE substr(p.full_path, 1, length($1) + 1) = $1 || '/')",
    )
    .bind(namespace_full_path)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.get("n"))
}

/// The longest full path of a namespace, project or repository at or below `prefix`.
pub async fn longest_path_at_or_below(conn: &mut AnyConnection, prefix: &str) -> sqlx::Result<i64> {
    let row = sqlx::query(&format!(
        "SELECT CAST(COALESCE(MAX(len), 0) AS BIGINT) AS n FROM ( \
             SELECT length(full_path) AS len FROM namespaces WHERE {ns} \
             UNION ALL SELECT length(full_path) FROM projects WHERE {ns} \
             UNION ALL SELECT length(path) FROM repositories WHERE {repo} \
         ) lengths",
        ns = at_or_below("full_path"),
        repo = at_or_below("path"),
    ))
    .bind(prefix)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.get("n"))
}

/// Rewrites `old` to `new` at the start of every namespace, project and repository path at
/// or below `old`.
pub async fn rewrite_path_prefix(conn: &mut AnyConnection, old: &str, new: &str) -> sqlx::Result<()> {
    for (table, col) in [("namespaces", "full_path"), ("projects", "full_path"), ("repositories", "path")] {
        sqlx::query(&format!("UPDATE {table} SET {col} = $2 || substr({col}, length($1) + 1) WHERE {}", at_or_below(col)))
            .bind(old)
            .bind(new)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn set_project_location(conn: &mut AnyConnection, project_id: i64, namespace_id: i64, path: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE projects SET namespace_id = $1, path = $2 WHERE id = $3")
        .bind(namespace_id)
        .bind(path)
        .bind(project_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_project_visibility(conn: &mut AnyConnection, project_id: i64, visibility: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE projects SET visibility = $1 WHERE id = $2").bind(visibility).bind(project_id).execute(&mut *conn).await?;
    Ok(())
}

pub async fn set_namespace_location(conn: &mut AnyConnection, id: i64, parent_id: Option<i64>, path: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE namespaces SET parent_id = $1, path = $2 WHERE id = $3")
        .bind(parent_id)
        .bind(path)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_namespace_name_and_visibility(db: &Db, id: i64, name: &str, visibility: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE namespaces SET name = $1, visibility = $2 WHERE id = $3")
        .bind(name)
        .bind(visibility)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The distinct visibilities of the groups and projects strictly below a namespace.
pub async fn visibilities_below(db: &Db, full_path: &str) -> sqlx::Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT visibility FROM namespaces WHERE substr(full_path, 1, length($1) + 1) = $1 || '/' \
         UNION SELECT visibility FROM projects WHERE substr(full_path, 1, length($1) + 1) = $1 || '/'",
    )
    .bind(full_path)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(|r| r.get("visibility")).collect())
}

// --- Deletion work tables -----------------------------------------------------------------

pub async fn request_project_deletion(db: &Db, project_id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO project_deletions (project_id, requested_at) VALUES ($1, $2) ON CONFLICT (project_id) DO NOTHING")
        .bind(project_id)
        .bind(now)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn request_group_deletion(db: &Db, namespace_id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO group_deletions (namespace_id, requested_at) VALUES ($1, $2) ON CONFLICT (namespace_id) DO NOTHING")
        .bind(namespace_id)
        .bind(now)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn pending_project_deletions(db: &Db) -> sqlx::Result<Vec<i64>> {
    let rows = sqlx::query("SELECT project_id FROM project_deletions ORDER BY requested_at, project_id").fetch_all(&db.pool).await?;
    Ok(rows.iter().map(|r| r.get("project_id")).collect())
}

pub async fn pending_group_deletions(db: &Db) -> sqlx::Result<Vec<i64>> {
    let rows = sqlx::query("SELECT namespace_id FROM group_deletions ORDER BY requested_at, namespace_id").fetch_all(&db.pool).await?;
    Ok(rows.iter().map(|r| r.get("namespace_id")).collect())
}

pub async fn is_project_deletion_pending(db: &Db, project_id: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query("SELECT 1 AS one FROM project_deletions WHERE project_id = $1")
        .bind(project_id)
        .fetch_optional(&db.pool)
        .await?
        .is_some())
}

/// Repositories of a project (at or below its path, or recorded as its own): `(id, status)`.
pub async fn project_repositories(db: &Db, project_id: i64, full_path: &str) -> sqlx::Result<Vec<(i64, Option<String>)>> {
    let rows = sqlx::query(&format!("SELECT id, status FROM repositories WHERE {} OR project_id = $2 ORDER BY id", at_or_below("path")))
        .bind(full_path)
        .bind(project_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(|r| (r.get("id"), r.get("status"))).collect())
}

/// Ids of the projects strictly below a namespace.
pub async fn project_ids_below(db: &Db, namespace_full_path: &str) -> sqlx::Result<Vec<i64>> {
    let rows = sqlx::query("SELECT id FROM projects WHERE substr(full_path, 1, length($1) + 1) = $1 || '/' ORDER BY id")
        .bind(namespace_full_path)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(|r| r.get("id")).collect())
}

pub async fn delete_project_row(db: &Db, project_id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM projects WHERE id = $1").bind(project_id).execute(&db.pool).await?;
    Ok(())
}

/// Deletes a namespace and every namespace below it, deepest first (no projects may remain).
pub async fn delete_namespace_tree(db: &Db, full_path: &str) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    let rows =
        sqlx::query(&format!("SELECT id FROM namespaces WHERE {} ORDER BY length(full_path) DESC, id DESC", at_or_below("full_path")))
            .bind(full_path)
            .fetch_all(&mut *tx)
            .await?;
    for row in rows {
        sqlx::query("DELETE FROM namespaces WHERE id = $1").bind(row.get::<i64, _>("id")).execute(&mut *tx).await?;
    }
    tx.commit().await
}

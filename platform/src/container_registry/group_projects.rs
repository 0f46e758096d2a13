//! The projects of a group and all its subgroups (the group Container Registry page lists
//! their repositories; the caller filters by what the viewer may see).

use berth_db::sqlx::{self, Row};
use berth_db::Db;

use crate::projects::{find_project, Project};

pub async fn projects_below(db: &Db, group_full_path: &str) -> crate::error::Result<Vec<Project>> {
    let rows = sqlx::query("SELECT id FROM projects WHERE substr(full_path, 1, length($1) + 1) = $1 || '/' ORDER BY full_path")
        .bind(group_full_path)
        .fetch_all(&db.pool)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.extend(find_project(db, r.try_get("id")?).await?);
    }
    Ok(out)
}

//! A project's (or several projects') image repositories, a page at a time.

use berth_db::sqlx::{self, any::AnyRow, Row};
use berth_db::Db;

use super::{bind_all, contains_pattern, paginate, Bind, Cursor, Page, PageCursor, SortDirection, PAGE_SIZE};

/// Sort keys of the repository lists (`orderBy` in the URL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RepositoryOrder {
    Updated,
    Created,
    Name,
}

impl RepositoryOrder {
    pub fn parse(s: &str) -> Option<RepositoryOrder> {
        match s.to_ascii_uppercase().as_str() {
            "UPDATED" | "UPDATED_AT" => Some(RepositoryOrder::Updated),
            "CREATED" | "CREATED_AT" => Some(RepositoryOrder::Created),
            "NAME" => Some(RepositoryOrder::Name),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RepositoryOrder::Updated => "UPDATED",
            RepositoryOrder::Created => "CREATED",
            RepositoryOrder::Name => "NAME",
        }
    }

    fn column(self) -> &'static str {
        match self {
            RepositoryOrder::Updated => "r.updated_at",
            RepositoryOrder::Created => "r.created_at",
            RepositoryOrder::Name => "r.path",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepositoryQuery {
    /// Part of the repository path, matched literally and case-insensitively.
    pub search: Option<String>,
    pub order: RepositoryOrder,
    pub direction: SortDirection,
    pub cursor: PageCursor,
    pub limit: i64,
}

impl Default for RepositoryQuery {
    /// Newest updated first, the first page.
    fn default() -> Self {
        RepositoryQuery {
            search: None,
            order: RepositoryOrder::Updated,
            direction: SortDirection::Desc,
            cursor: PageCursor::First,
            limit: PAGE_SIZE,
        }
    }
}

/// A repository as the lists show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepositoryRow {
    pub id: i64,
    pub path: String,
    pub project_id: Option<i64>,
    /// None (active), `delete_scheduled`, `delete_ongoing` or `delete_failed`.
    pub status: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub tags_count: i64,
    pub delete_failures: i64,
    pub delete_last_error: Option<String>,
    pub cleanup_policy_started_at: Option<i64>,
}

const COLUMNS: &str = "r.id, r.path, r.project_id, r.status, r.created_at, r.updated_at, r.delete_failures, \
    r.delete_last_error, r.cleanup_policy_started_at, \
    (SELECT COUNT(*) FROM tags t WHERE t.repository_id = r.id) AS tags_count";

fn row(r: &AnyRow) -> sqlx::Result<RepositoryRow> {
    Ok(RepositoryRow {
        id: r.try_get("id")?,
        path: r.try_get("path")?,
        project_id: r.try_get("project_id")?,
        status: r.try_get("status")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        tags_count: r.try_get("tags_count")?,
        delete_failures: r.try_get("delete_failures")?,
        delete_last_error: r.try_get("delete_last_error")?,
        cleanup_policy_started_at: r.try_get("cleanup_policy_started_at")?,
    })
}

fn cursor_of(order: RepositoryOrder, r: &RepositoryRow) -> String {
    match order {
        RepositoryOrder::Updated => Cursor::new(r.updated_at, r.id),
        RepositoryOrder::Created => Cursor::new(r.created_at, r.id),
        RepositoryOrder::Name => Cursor::new(&r.path, r.id),
    }
    .encode()
}

/// The repositories of `project_ids`, one page. An empty id list is an empty page.
pub async fn list_repositories(db: &Db, project_ids: &[i64], q: &RepositoryQuery) -> sqlx::Result<Page<RepositoryRow>> {
    if project_ids.is_empty() {
        return Ok(Page { items: vec![], total: 0, next: None, previous: None });
    }
    let mut binds: Vec<Bind> = project_ids.iter().map(|id| Bind::Int(*id)).collect();
    let ids = (1..=project_ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let mut filter = format!("r.project_id IN ({ids})");
    if let Some(search) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        binds.push(Bind::Text(contains_pattern(&search.to_lowercase())));
        filter.push_str(&format!(" AND lower(r.path) LIKE ${} ESCAPE '\\'", binds.len()));
    }
    let total = {
        let sql = format!("SELECT COUNT(*) AS n FROM repositories r WHERE {filter}");
        bind_all(sqlx::query(&sql), &binds).fetch_one(&db.pool).await?.try_get::<i64, _>("n")?
    };

    let (fetch_direction, cursor) = match &q.cursor {
        PageCursor::First => (q.direction, None),
        PageCursor::After(c) => (q.direction, Some(c)),
        PageCursor::Before(c) => (q.direction.flip(), Some(c)),
    };
    let column = q.order.column();
    let mut keyset = String::new();
    if let Some(c) = cursor {
        let key = match q.order {
            RepositoryOrder::Name => Bind::Text(c.key.clone()),
            _ => Bind::Int(c.key_i64().unwrap_or(0)),
        };
        binds.push(key);
        binds.push(Bind::Int(c.tiebreak_i64().unwrap_or(0)));
        let op = if fetch_direction == SortDirection::Asc { ">" } else { "<" };
        keyset = format!(" AND ({column}, r.id) {op} (${}, ${})", binds.len() - 1, binds.len());
    }
    let dir = fetch_direction.sql();
    let sql = format!(
        "SELECT {COLUMNS} FROM repositories r WHERE {filter}{keyset} ORDER BY {column} {dir}, r.id {dir} LIMIT {}",
        q.limit.clamp(1, 100) + 1
    );
    let rows = bind_all(sqlx::query(&sql), &binds).fetch_all(&db.pool).await?;
    let rows = rows.iter().map(row).collect::<sqlx::Result<Vec<_>>>()?;
    let order = q.order;
    Ok(paginate(rows, total, &q.cursor, q.limit.clamp(1, 100), |r| cursor_of(order, r)))
}

/// One repository of a project (None when it belongs to another project or does not exist).
/// `tags_count` is left at 0: counting half a million tags is the caller's choice
/// ([`super::tags::list_tags`] counts what it lists).
pub async fn find_repository(db: &Db, project_id: i64, repository_id: i64) -> sqlx::Result<Option<RepositoryRow>> {
    let columns = COLUMNS.replace("(SELECT COUNT(*) FROM tags t WHERE t.repository_id = r.id)", "0");
    let sql = format!("SELECT {columns} FROM repositories r WHERE r.id = $1 AND r.project_id = $2");
    sqlx::query(&sql).bind(repository_id).bind(project_id).fetch_optional(&db.pool).await?.as_ref().map(row).transpose()
}

/// Repositories whose deletion gave up after too many failures (the admin area retries them).
pub async fn failed_deletions(db: &Db) -> sqlx::Result<Vec<RepositoryRow>> {
    let sql = format!("SELECT {COLUMNS} FROM repositories r WHERE r.status = 'delete_failed' ORDER BY r.path");
    sqlx::query(&sql).fetch_all(&db.pool).await?.iter().map(row).collect()
}

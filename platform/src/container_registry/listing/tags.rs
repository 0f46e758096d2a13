//! A repository's tags, a page at a time, with what the tag details page shows: size from
//! metadata (config and layers; for an index, its platform manifests), digests, platforms.

use berth_db::sqlx::{self, any::AnyRow, Row};
use berth_db::{Backend, Db};

use super::{bind_all, contains_pattern, paginate, Bind, Cursor, Page, PageCursor, SortDirection, PAGE_SIZE};

/// Media types of multi-platform images.
pub const INDEX_MEDIA_TYPES: [&str; 2] =
    ["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"];

/// Sort keys of the tag list (`orderBy` in the URL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagOrder {
    PublishedAt,
    Name,
}

impl TagOrder {
    pub fn parse(s: &str) -> Option<TagOrder> {
        match s.to_ascii_uppercase().as_str() {
            "PUBLISHED_AT" | "PUBLISHED" | "UPDATED" => Some(TagOrder::PublishedAt),
            "NAME" => Some(TagOrder::Name),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TagOrder::PublishedAt => "PUBLISHED_AT",
            TagOrder::Name => "NAME",
        }
    }
}

/// Single- or multi-platform images only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PlatformFilter {
    #[default]
    Any,
    MultiPlatform,
    SinglePlatform,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagQuery {
    /// Part of the tag name, matched literally and case-insensitively.
    pub search: Option<String>,
    pub order: TagOrder,
    pub direction: SortDirection,
    pub cursor: PageCursor,
    pub limit: i64,
    pub platforms: PlatformFilter,
    /// Only tags published before this instant (ms), for "older than".
    pub published_before: Option<i64>,
}

impl Default for TagQuery {
    /// Newest published first, the first page.
    fn default() -> Self {
        TagQuery {
            search: None,
            order: TagOrder::PublishedAt,
            direction: SortDirection::Desc,
            cursor: PageCursor::First,
            limit: PAGE_SIZE,
            platforms: PlatformFilter::Any,
            published_before: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagRow {
    pub name: String,
    pub digest: String,
    pub media_type: String,
    pub config_digest: Option<String>,
    /// Config and layers (an index: its platform manifests), from metadata.
    pub size: i64,
    /// When the tag last pointed at its image.
    pub published_at: i64,
    /// `os/architecture[/variant]` of each platform of a multi-platform image.
    pub platforms: Vec<String>,
}

impl TagRow {
    pub fn is_multi_platform(&self) -> bool {
        INDEX_MEDIA_TYPES.contains(&self.media_type.as_str())
    }
}

fn cursor_of(order: TagOrder, t: &TagRow) -> String {
    match order {
        TagOrder::PublishedAt => Cursor::new(t.published_at, &t.name),
        TagOrder::Name => Cursor::new(&t.name, ""),
    }
    .encode()
}

fn row(r: &AnyRow) -> sqlx::Result<(TagRow, i64)> {
    let total: i64 = r.try_get("total_size")?;
    let manifest: i64 = r.try_get("size")?;
    Ok((
        TagRow {
            name: r.try_get("name")?,
            digest: r.try_get("digest")?,
            media_type: r.try_get("media_type")?,
            config_digest: r.try_get("config_digest")?,
            size: (total - manifest).max(0),
            published_at: r.try_get("updated_at")?,
            platforms: vec![],
        },
        r.try_get("manifest_id")?,
    ))
}

/// One page of a repository's tags.
pub async fn list_tags(db: &Db, repository_id: i64, q: &TagQuery) -> sqlx::Result<Page<TagRow>> {
    let mut binds = vec![Bind::Int(repository_id)];
    let mut filter = String::from("t.repository_id = $1");
    if let Some(search) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        // Case-insensitive: SQLite's LIKE is (for ASCII, all a tag name may hold); PostgreSQL
        // needs ILIKE. No lower(): the scan then stays on the covering index.
        let like = if db.backend == Backend::Postgres { "ILIKE" } else { "LIKE" };
        binds.push(Bind::Text(contains_pattern(search)));
        filter.push_str(&format!(" AND t.name {like} ${} ESCAPE '\\'", binds.len()));
    }
    if let Some(before) = q.published_before {
        binds.push(Bind::Int(before));
        filter.push_str(&format!(" AND t.updated_at < ${}", binds.len()));
    }
    let index_types = INDEX_MEDIA_TYPES.iter().map(|m| format!("'{m}'")).collect::<Vec<_>>().join(", ");
    match q.platforms {
        PlatformFilter::Any => {}
        PlatformFilter::MultiPlatform => filter.push_str(&format!(" AND m.media_type IN ({index_types})")),
        PlatformFilter::SinglePlatform => filter.push_str(&format!(" AND m.media_type NOT IN ({index_types})")),
    }
    // The count joins manifests only when a filter needs them (the join costs a lookup per tag).
    let count_from = if q.platforms == PlatformFilter::Any { "tags t" } else { "tags t JOIN manifests m ON m.id = t.manifest_id" };
    let count_sql = format!("SELECT COUNT(*) AS n FROM {count_from} WHERE {filter}");
    let count_binds = binds.len();

    let (fetch_direction, cursor) = match &q.cursor {
        PageCursor::First => (q.direction, None),
        PageCursor::After(c) => (q.direction, Some(c)),
        PageCursor::Before(c) => (q.direction.flip(), Some(c)),
    };
    let op = if fetch_direction == SortDirection::Asc { ">" } else { "<" };
    let dir = fetch_direction.sql();
    let mut keyset = String::new();
    let order_by = match q.order {
        TagOrder::PublishedAt => {
            if let Some(c) = cursor {
                binds.push(Bind::Int(c.key_i64().unwrap_or(0)));
                binds.push(Bind::Text(c.tiebreak.clone()));
                keyset = format!(" AND (t.updated_at, t.name) {op} (${}, ${})", binds.len() - 1, binds.len());
            }
            format!("t.updated_at {dir}, t.name {dir}")
        }
        TagOrder::Name => {
            if let Some(c) = cursor {
                binds.push(Bind::Text(c.key.clone()));
                keyset = format!(" AND t.name {op} ${}", binds.len());
            }
            format!("t.name {dir}")
        }
    };
    let limit = q.limit.clamp(1, 100);
    let sql = format!(
        "SELECT t.name, t.updated_at, m.id AS manifest_id, m.digest, m.media_type, m.size, m.total_size, m.config_digest \
         FROM tags t JOIN manifests m ON m.id = t.manifest_id WHERE {filter}{keyset} ORDER BY {order_by} LIMIT {}",
        limit + 1
    );
    // The count and the page are independent reads: run them at once on two connections.
    let (total, fetched) = tokio::try_join!(
        async { bind_all(sqlx::query(&count_sql), &binds[..count_binds]).fetch_one(&db.pool).await?.try_get::<i64, _>("n") },
        bind_all(sqlx::query(&sql), &binds).fetch_all(&db.pool),
    )?;
    let mut rows = Vec::with_capacity(fetched.len());
    for r in &fetched {
        let (mut tag, manifest_id) = row(r)?;
        if tag.is_multi_platform() {
            tag.platforms = index_platforms(db, manifest_id).await?;
        }
        rows.push(tag);
    }
    let order = q.order;
    Ok(paginate(rows, total, &q.cursor, limit, |t| cursor_of(order, t)))
}

/// The platforms an index lists, read from its stored payload (metadata, a few KiB; never
/// blob storage). Attestation entries (`unknown/unknown`) are left out.
async fn index_platforms(db: &Db, manifest_id: i64) -> sqlx::Result<Vec<String>> {
    let payload: Vec<u8> =
        sqlx::query("SELECT payload FROM manifests WHERE id = $1").bind(manifest_id).fetch_one(&db.pool).await?.try_get("payload")?;
    Ok(platforms_of_index(&payload))
}

pub fn platforms_of_index(payload: &[u8]) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Index {
        #[serde(default)]
        manifests: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        platform: Option<Platform>,
    }
    #[derive(serde::Deserialize)]
    struct Platform {
        os: String,
        architecture: String,
        variant: Option<String>,
    }
    let Ok(index) = serde_json::from_slice::<Index>(payload) else { return vec![] };
    index
        .manifests
        .into_iter()
        .filter_map(|e| e.platform)
        .filter(|p| p.os != "unknown" && p.architecture != "unknown")
        .map(|p| match p.variant {
            Some(v) if !v.is_empty() => format!("{}/{}/{v}", p.os, p.architecture),
            _ => format!("{}/{}", p.os, p.architecture),
        })
        .collect()
}

/// How many tags the repository has (one index-only count; the tag page shows it next to a
/// filtered count, "3 of 25 tags").
pub async fn tag_count(db: &Db, repository_id: i64) -> sqlx::Result<i64> {
    sqlx::query("SELECT COUNT(*) AS n FROM tags WHERE repository_id = $1").bind(repository_id).fetch_one(&db.pool).await?.try_get("n")
}

/// The most recently published tags with their sizes, oldest first (the size chart).
pub async fn recent_tag_sizes(db: &Db, repository_id: i64, n: i64) -> sqlx::Result<Vec<(String, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT t.name, t.updated_at, m.size, m.total_size FROM tags t JOIN manifests m ON m.id = t.manifest_id \
         WHERE t.repository_id = $1 ORDER BY t.updated_at DESC, t.name DESC LIMIT $2",
    )
    .bind(repository_id)
    .bind(n)
    .fetch_all(&db.pool)
    .await?;
    let mut out = rows
        .iter()
        .map(|r| {
            let total: i64 = r.try_get("total_size")?;
            let manifest: i64 = r.try_get("size")?;
            Ok((r.try_get("name")?, r.try_get("updated_at")?, (total - manifest).max(0)))
        })
        .collect::<sqlx::Result<Vec<_>>>()?;
    out.reverse();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_come_from_the_index_payload() {
        let index = br#"{"schemaVersion":2,"manifests":[
            {"digest":"sha256:a","platform":{"os":"linux","architecture":"amd64"}},
            {"digest":"sha256:b","platform":{"os":"linux","architecture":"arm","variant":"v7"}},
            {"digest":"sha256:c","platform":{"os":"unknown","architecture":"unknown"}}]}"#;
        assert_eq!(platforms_of_index(index), vec!["linux/amd64", "linux/arm/v7"]);
        assert!(platforms_of_index(b"not json").is_empty());
    }
}

use berth_db::now_millis;
use berth_db::sqlx::{self, Row};
use berth_db::Backend;
use serde_json::json;

use super::Meta;
use crate::error::{Code, Error, Result};

/// A manifest about to be stored (already parsed and validated).
#[derive(Debug, Clone)]
pub struct NewManifest {
    pub repository: String,
    pub project_id: Option<i64>,
    pub digest: String,
    pub media_type: String,
    pub payload: Vec<u8>,
    pub config_digest: Option<String>,
    pub subject_digest: Option<String>,
    pub artifact_type: Option<String>,
    /// Config and layer digests that must be linked to the repository (deduplicated).
    pub blobs: Vec<String>,
    /// Child manifests (of an index) that must exist in the repository (deduplicated).
    pub manifests: Vec<String>,
    /// What the manifest's descriptors declare of each blob and child manifest.
    pub declared: Vec<Declared>,
    pub tag: Option<String>,
}

/// A descriptor's digest with the size and media type it declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    pub digest: String,
    pub size: i64,
    pub media_type: String,
}

impl NewManifest {
    fn declared(&self, digest: &str) -> Option<&Declared> {
        self.declared.iter().find(|d| d.digest == digest)
    }
}

/// MANIFEST_INVALID naming the descriptor whose size (or media type) is not the stored one's.
fn disagrees(digest: &str, what: &str, declared: &str, stored: &str) -> Error {
    Error::oci(Code::ManifestInvalid, format!("descriptor {digest} declares {what} {declared}, but the stored content has {what} {stored}"))
        .with_detail(json!({ "digest": digest }))
}

/// A stored manifest.
#[derive(Debug, Clone)]
pub struct ManifestRecord {
    pub id: i64,
    pub digest: String,
    pub media_type: String,
    pub payload: Vec<u8>,
    pub config_digest: Option<String>,
    pub total_size: i64,
    pub subject_digest: Option<String>,
    pub artifact_type: Option<String>,
    pub pushed_at: i64,
}

/// A manifest whose `subject` is some digest.
#[derive(Debug, Clone)]
pub struct ReferrerRecord {
    pub digest: String,
    pub media_type: String,
    pub size: i64,
    pub artifact_type: Option<String>,
    pub payload: Vec<u8>,
}

#[derive(Debug, Clone)]
pub enum Reference {
    Tag(String),
    Digest(String),
}

const COLUMNS: &str =
    "m.id, m.digest, m.media_type, m.payload, m.config_digest, m.total_size, m.subject_digest, m.artifact_type, m.pushed_at";

fn record(r: &sqlx::any::AnyRow) -> Result<ManifestRecord> {
    Ok(ManifestRecord {
        id: r.try_get("id")?,
        digest: r.try_get("digest")?,
        media_type: r.try_get("media_type")?,
        payload: r.try_get("payload")?,
        config_digest: r.try_get("config_digest")?,
        total_size: r.try_get("total_size")?,
        subject_digest: r.try_get("subject_digest")?,
        artifact_type: r.try_get("artifact_type")?,
        pushed_at: r.try_get("pushed_at")?,
    })
}

impl Meta {
    /// Stores a manifest (and points `tag` at it) in one transaction, after checking that
    /// every referenced blob and manifest exists in the same repository. The error names the
    /// first missing digest. Returns the manifest's row id.
    pub async fn put_manifest(&self, m: &NewManifest) -> Result<i64> {
        let mut w = self.begin_write().await?;
        let repo = Meta::ensure_repository(&mut w.tx, &m.repository, m.project_id).await?;
        let mut total = m.payload.len() as i64;
        // On PostgreSQL the referenced blob and child manifest rows are share-locked until
        // commit: a GC worker either deleted them first (the rows are gone: *_UNKNOWN) or
        // finds them locked and skips them (see `crate::gc`). SQLite serialises writers.
        let (share_blob, share) = match self.db.backend {
            Backend::Postgres => (" FOR SHARE OF b", " FOR SHARE"),
            Backend::Sqlite => ("", ""),
        };
        for d in &m.blobs {
            let row = sqlx::query(&format!(
                "SELECT b.size FROM repository_blobs rb JOIN blobs b ON b.digest = rb.blob_digest \
                 WHERE rb.repository_id = $1 AND rb.blob_digest = $2{share_blob}"
            ))
            .bind(repo)
            .bind(d)
            .fetch_optional(&mut *w.tx)
            .await?;
            match row {
                Some(r) => {
                    let size = r.try_get::<i64, _>("size")?;
                    if let Some(want) = m.declared(d).filter(|want| want.size != size) {
                        return Err(disagrees(d, "size", &want.size.to_string(), &size.to_string()));
                    }
                    total += size;
                }
                None => {
                    return Err(Error::oci(
                        Code::ManifestBlobUnknown,
                        format!("blob {d} is not known in repository {}; push it to this repository first", m.repository),
                    )
                    .with_detail(json!({ "digest": d })))
                }
            }
        }
        let mut children = Vec::new();
        for d in &m.manifests {
            let row = sqlx::query(&format!(
                "SELECT id, total_size, size, media_type FROM manifests WHERE repository_id = $1 AND digest = $2{share}"
            ))
            .bind(repo)
            .bind(d)
            .fetch_optional(&mut *w.tx)
            .await?;
            match row {
                Some(r) => {
                    let (size, media_type) = (r.try_get::<i64, _>("size")?, r.try_get::<String, _>("media_type")?);
                    if let Some(want) = m.declared(d) {
                        if want.size != size {
                            return Err(disagrees(d, "size", &want.size.to_string(), &size.to_string()));
                        }
                        if want.media_type != media_type {
                            return Err(disagrees(d, "media type", &want.media_type, &media_type));
                        }
                    }
                    total += r.try_get::<i64, _>("total_size")?;
                    children.push(r.try_get::<i64, _>("id")?);
                }
                None => {
                    return Err(Error::oci(
                        Code::ManifestUnknown,
                        format!("manifest {d} is not known in repository {}; push it to this repository first", m.repository),
                    )
                    .with_detail(json!({ "digest": d })))
                }
            }
        }
        let now = now_millis();
        sqlx::query(
            "INSERT INTO manifests (repository_id, digest, media_type, size, payload, config_digest, total_size, \
             subject_digest, artifact_type, pushed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (repository_id, digest) DO UPDATE SET pushed_at = manifests.pushed_at",
        )
        .bind(repo)
        .bind(&m.digest)
        .bind(&m.media_type)
        .bind(m.payload.len() as i64)
        .bind(m.payload.clone())
        .bind(m.config_digest.clone())
        .bind(total)
        .bind(m.subject_digest.clone())
        .bind(m.artifact_type.clone())
        .bind(now)
        .execute(&mut *w.tx)
        .await?;
        let id: i64 = sqlx::query("SELECT id FROM manifests WHERE repository_id = $1 AND digest = $2")
            .bind(repo)
            .bind(&m.digest)
            .fetch_one(&mut *w.tx)
            .await?
            .try_get("id")?;
        for d in &m.blobs {
            sqlx::query("INSERT INTO manifest_blobs (manifest_id, blob_digest) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(d)
                .execute(&mut *w.tx)
                .await?;
        }
        for child in children {
            sqlx::query("INSERT INTO manifest_references (parent_id, child_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(child)
                .execute(&mut *w.tx)
                .await?;
        }
        if m.tag.is_none() {
            // Untagged push: review it after the delay (it may stay unreferenced).
            crate::gc::queue_manifest(&mut w.tx, id, repo, "untagged_push").await?;
        }
        if let Some(tag) = &m.tag {
            sqlx::query(
                "INSERT INTO tags (repository_id, name, manifest_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
                 ON CONFLICT (repository_id, name) DO UPDATE SET manifest_id = excluded.manifest_id, updated_at = excluded.updated_at",
            )
            .bind(repo)
            .bind(tag)
            .bind(id)
            .bind(now)
            .execute(&mut *w.tx)
            .await?;
        }
        w.commit().await?;
        Ok(id)
    }

    pub async fn manifest(&self, repository_id: i64, reference: &Reference) -> Result<Option<ManifestRecord>> {
        let row = match reference {
            Reference::Digest(d) => {
                sqlx::query(&format!("SELECT {COLUMNS} FROM manifests m WHERE m.repository_id = $1 AND m.digest = $2"))
                    .bind(repository_id)
                    .bind(d)
                    .fetch_optional(&self.db.pool)
                    .await?
            }
            Reference::Tag(t) => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM tags t JOIN manifests m ON m.id = t.manifest_id \
                     WHERE t.repository_id = $1 AND t.name = $2"
                ))
                .bind(repository_id)
                .bind(t)
                .fetch_optional(&self.db.pool)
                .await?
            }
        };
        row.as_ref().map(record).transpose()
    }

    /// Deletes a manifest, its tags and its reference rows; `false` when unknown.
    pub async fn delete_manifest(&self, repository_id: i64, digest: &str) -> Result<bool> {
        let mut w = self.begin_write().await?;
        let row = sqlx::query("SELECT id FROM manifests WHERE repository_id = $1 AND digest = $2")
            .bind(repository_id)
            .bind(digest)
            .fetch_optional(&mut *w.tx)
            .await?;
        let Some(row) = row else { return Ok(false) };
        let id: i64 = row.try_get("id")?;
        // A platform manifest that an index in this repository lists stays as long as the
        // index does: removing it would leave the index's tag pointing at nothing (GitLab's
        // registry answers the same).
        let referenced =
            sqlx::query("SELECT 1 AS x FROM manifest_references WHERE child_id = $1 LIMIT 1").bind(id).fetch_optional(&mut *w.tx).await?;
        if referenced.is_some() {
            return Err(crate::Error::oci(crate::Code::ManifestReferenced, "manifest referenced by a manifest list"));
        }
        for sql in [
            "DELETE FROM tags WHERE manifest_id = $1",
            "DELETE FROM manifest_blobs WHERE manifest_id = $1",
            "DELETE FROM manifest_references WHERE parent_id = $1 OR child_id = $1",
            "DELETE FROM manifests WHERE id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *w.tx).await?;
        }
        Meta::touch_repository(&mut w.tx, repository_id).await?;
        w.commit().await?;
        Ok(true)
    }

    /// Manifests in the repository whose subject is `digest`, optionally of one artifact type.
    pub async fn referrers(&self, repository_id: i64, digest: &str, artifact_type: Option<&str>) -> Result<Vec<ReferrerRecord>> {
        let rows = sqlx::query(
            "SELECT digest, media_type, size, artifact_type, payload FROM manifests \
             WHERE repository_id = $1 AND subject_digest = $2 AND ($3 = '' OR artifact_type = $3) ORDER BY digest",
        )
        .bind(repository_id)
        .bind(digest)
        .bind(artifact_type.unwrap_or(""))
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReferrerRecord {
                    digest: r.try_get("digest")?,
                    media_type: r.try_get("media_type")?,
                    size: r.try_get("size")?,
                    artifact_type: r.try_get("artifact_type")?,
                    payload: r.try_get("payload")?,
                })
            })
            .collect()
    }
}

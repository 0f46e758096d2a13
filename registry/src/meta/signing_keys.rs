use berth_db::sqlx::{self, Row};

use super::Meta;
use crate::error::Result;

/// One row of `registry_signing_keys`; `private_key` is sealed (see `auth::shared_keys`).
pub struct SigningKeyRecord {
    pub kid: String,
    pub private_key: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

impl Meta {
    /// Keys that still verify at `now`, oldest first.
    pub async fn signing_keys(&self, now: i64) -> Result<Vec<SigningKeyRecord>> {
        let rows = sqlx::query(
            "SELECT kid, private_key, created_at, retired_at FROM registry_signing_keys \
             WHERE verify_until IS NULL OR verify_until > $1 ORDER BY created_at, kid",
        )
        .bind(now)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SigningKeyRecord {
                    kid: r.try_get("kid")?,
                    private_key: r.try_get("private_key")?,
                    created_at: r.try_get("created_at")?,
                    retired_at: r.try_get("retired_at")?,
                })
            })
            .collect()
    }

    pub async fn count_signing_keys(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM registry_signing_keys").fetch_one(&self.db.pool).await?;
        Ok(row.try_get("n")?)
    }

    /// Adds a key that signs from now on. With `retire_others_until`, every other signing key
    /// is retired in the same transaction and verifies until then.
    pub async fn insert_signing_key(&self, kid: &str, sealed: &str, now: i64, retire_others_until: Option<i64>) -> Result<()> {
        let mut w = self.begin_write().await?;
        sqlx::query("INSERT INTO registry_signing_keys (kid, private_key, created_at) VALUES ($1, $2, $3)")
            .bind(kid)
            .bind(sealed)
            .bind(now)
            .execute(&mut *w.tx)
            .await?;
        if let Some(until) = retire_others_until {
            sqlx::query("UPDATE registry_signing_keys SET retired_at = $1, verify_until = $2 WHERE kid <> $3 AND retired_at IS NULL")
                .bind(now)
                .bind(until)
                .bind(kid)
                .execute(&mut *w.tx)
                .await?;
        }
        w.commit().await
    }

    /// Removes keys whose tokens have all expired.
    pub async fn delete_expired_signing_keys(&self, now: i64) -> Result<u64> {
        let mut w = self.begin_write().await?;
        let n = sqlx::query("DELETE FROM registry_signing_keys WHERE verify_until IS NOT NULL AND verify_until <= $1")
            .bind(now)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        w.commit().await?;
        Ok(n)
    }
}

//! Registry metadata in the database (SQLite or PostgreSQL through `berth_db::Db`). One SQL
//! text per query for both backends.

use std::sync::Arc;

use berth_db::sqlx::{Any, Transaction};
use berth_db::{Backend, Db};
use tokio::sync::{Mutex, MutexGuard};

use crate::error::Result;

mod blobs;
mod manifests;
mod repositories;
mod signing_keys;
mod tags;
mod uploads;

pub use manifests::{Declared, ManifestRecord, NewManifest, Reference, ReferrerRecord};
pub use repositories::RepositoryRecord;
pub use signing_keys::SigningKeyRecord;
pub use tags::TagRecord;
pub use uploads::UploadRecord;

/// Metadata access. Cheap to clone.
#[derive(Clone)]
pub struct Meta {
    pub(crate) db: Db,
    /// Serialises this process's write transactions on SQLite (one writer anyway).
    write_lock: Arc<Mutex<()>>,
}

/// A write transaction; on SQLite it holds the process-wide writer lock and has already
/// taken the database write lock. Dropped without `commit` → rolled back.
pub(crate) struct WriteTx<'a> {
    pub tx: Transaction<'static, Any>,
    _guard: Option<MutexGuard<'a, ()>>,
}

impl WriteTx<'_> {
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }

    /// Rolls back now (before the writer lock is released), rather than on drop.
    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}

impl Meta {
    pub fn new(db: Db) -> Meta {
        Meta { db, write_lock: Arc::new(Mutex::new(())) }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub(crate) async fn begin_write(&self) -> Result<WriteTx<'_>> {
        let guard = match self.db.backend {
            Backend::Sqlite => Some(self.write_lock.lock().await),
            Backend::Postgres => None,
        };
        let mut tx = self.db.pool.begin().await?;
        if self.db.backend == Backend::Sqlite {
            berth_db::sqlx::query("UPDATE registry_write_lock SET n = n + 1 WHERE id = 1").execute(&mut *tx).await?;
        }
        Ok(WriteTx { tx, _guard: guard })
    }
}

//! The engine without HTTP: what UI and REST code call (listing repositories and tags,
//! deleting tags and manifests). Permission checks are the caller's job.

use crate::engine::Engine;
use crate::error::Result;
use crate::meta::{RepositoryRecord, TagRecord};

pub use crate::meta::{ManifestRecord, Reference};

/// Cheap to clone.
#[derive(Clone)]
pub struct RegistryService {
    engine: Engine,
}

impl RegistryService {
    pub(crate) fn new(engine: Engine) -> RegistryService {
        RegistryService { engine }
    }

    /// One repository by path.
    pub async fn repository(&self, path: &str) -> Result<Option<RepositoryRecord>> {
        self.engine.meta().repository(path).await
    }

    /// Repositories by path after `last`; `prefix` limits to a path and what is below it
    /// (e.g. a project's path).
    pub async fn repositories(&self, prefix: Option<&str>, last: Option<&str>, limit: i64) -> Result<Vec<RepositoryRecord>> {
        self.engine.meta().repositories(prefix, last, limit).await
    }

    /// Every tag of a repository with its manifest digest, sizes and timestamps, by name.
    /// An unknown repository has no tags.
    pub async fn tags(&self, path: &str) -> Result<Vec<TagRecord>> {
        match self.engine.meta().repository_id(path).await? {
            Some(id) => self.engine.meta().tags(id).await,
            None => Ok(vec![]),
        }
    }

    /// Deletes one tag; `false` when the repository or tag does not exist.
    pub async fn delete_tag(&self, path: &str, tag: &str) -> Result<bool> {
        match self.engine.meta().repository_id(path).await? {
            Some(id) => self.engine.meta().delete_tag(id, tag).await,
            None => Ok(false),
        }
    }

    /// A manifest by tag or digest.
    pub async fn manifest(&self, path: &str, reference: &Reference) -> Result<Option<ManifestRecord>> {
        match self.engine.meta().repository_id(path).await? {
            Some(id) => self.engine.meta().manifest(id, reference).await,
            None => Ok(None),
        }
    }

    /// Deletes a manifest and every tag pointing at it; `false` when unknown.
    pub async fn delete_manifest(&self, path: &str, digest: &str) -> Result<bool> {
        match self.engine.meta().repository_id(path).await? {
            Some(id) => self.engine.meta().delete_manifest(id, digest).await,
            None => Ok(false),
        }
    }

    /// Direct metadata access for platform code that needs more (e.g. cleanup policies).
    pub fn meta(&self) -> &crate::meta::Meta {
        self.engine.meta()
    }
}

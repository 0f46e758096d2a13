//! Deleting tags by name (one, or several selected), for the UI and the REST API alike: the
//! actor must be allowed to delete tags in the project, and a repository that is being
//! deleted takes no more changes.

use berth_registry::Registry;

use crate::error::{PlatformError, Result};
use crate::permissions::{can, Action, Actor};
use crate::projects::{project_access, Project};

pub const REPOSITORY_BEING_DELETED: &str = "this image repository is being deleted";

/// What a tag deletion did: how many tags went, and the first failure after them (the tags
/// before it are gone; the caller reports both).
#[derive(Debug)]
pub struct Deleted {
    pub count: usize,
    pub failed: Option<(String, berth_registry::Error)>,
}

/// The repository tags are deleted from: its path, and its deletion state (None: active).
#[derive(Debug, Clone, Copy)]
pub struct TargetRepository<'a> {
    pub path: &'a str,
    pub status: Option<&'a str>,
}

/// Deletes the named tags of `repository` (a repository of `project`) as `actor`; names that
/// are not tags are skipped. Refused (`Forbidden`) for actors who may not delete tags, and
/// (`Conflict`) while the repository is scheduled for deletion.
pub async fn delete_tags(
    registry: &Registry,
    actor: &Actor,
    project: &Project,
    repository: TargetRepository<'_>,
    names: &[&str],
) -> Result<Deleted> {
    if !can(actor, Action::DeleteTag, &project_access(project)) {
        return Err(PlatformError::Forbidden("you need at least the Developer role to delete tags".into()));
    }
    if repository.status.is_some() {
        return Err(PlatformError::Conflict(REPOSITORY_BEING_DELETED.into()));
    }
    let service = registry.service();
    let mut count = 0;
    for name in names {
        match service.delete_tag(repository.path, name).await {
            Ok(true) => count += 1,
            Ok(false) => {}
            Err(e) => return Ok(Deleted { count, failed: Some((name.to_string(), e)) }),
        }
    }
    Ok(Deleted { count, failed: None })
}

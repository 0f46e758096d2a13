//! What a policy would delete right now, per repository, and how many bytes that frees
//! (see [`super::freed`] for how the bytes are counted). Changes nothing.

use std::collections::HashSet;

use berth_db::Db;
use berth_registry::Registry;

use super::error::CleanupError;
use super::evaluate::{tags_to_delete, Rules};
use super::freed::bytes_freed;
use super::policy::CleanupPolicy;
use super::repositories;

/// One repository of the preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryPreview {
    pub repository_id: i64,
    pub path: String,
    /// The tags the policy would delete, newest first (empty: nothing to do here).
    pub tags: Vec<String>,
    pub bytes_freed: i64,
}

/// Evaluates `policy` at `now` on every active repository of the project at
/// `project_full_path` (enabled or not: this is a dry run), by path.
pub async fn preview(
    db: &Db,
    registry: &Registry,
    project_full_path: &str,
    policy: &CleanupPolicy,
    now: i64,
) -> Result<Vec<RepositoryPreview>, CleanupError> {
    let regexes = policy.regexes()?;
    let rules = Rules::of_policy(policy, &regexes);
    let service = registry.service();
    let mut out = Vec::new();
    for repository in repositories::of_project(db, project_full_path).await? {
        let tags = service.tags(&repository.path).await?;
        let doomed: Vec<String> = tags_to_delete(&tags, &rules, now).into_iter().map(|t| t.name.clone()).collect();
        let bytes = if doomed.is_empty() {
            0
        } else {
            let graph = repositories::manifest_graph(db, repository.repository_id).await?;
            bytes_freed(&graph, &doomed.iter().map(String::as_str).collect::<HashSet<_>>())
        };
        out.push(RepositoryPreview { repository_id: repository.repository_id, path: repository.path, tags: doomed, bytes_freed: bytes });
    }
    Ok(out)
}

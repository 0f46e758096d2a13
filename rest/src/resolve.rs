//! `:id` parameters: a numeric id or the (URL-encoded, already decoded by axum) full path.

use berth_platform::namespaces::{find_namespace, find_namespace_by_path, Namespace, NamespaceKind};
use berth_platform::projects::{find_project, find_project_by_path, Project};

use crate::error::ApiResult;
use crate::RestState;

fn numeric(id: &str) -> Option<i64> {
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        id.parse().ok()
    } else {
        None
    }
}

pub async fn project(state: &RestState, id: &str) -> ApiResult<Option<Project>> {
    Ok(match numeric(id) {
        Some(n) => find_project(&state.db, n).await?,
        None => find_project_by_path(&state.db, id).await?,
    })
}

/// A group (personal namespaces are not groups).
pub async fn group(state: &RestState, id: &str) -> ApiResult<Option<Namespace>> {
    let ns = match numeric(id) {
        Some(n) => find_namespace(&state.db, n).await?,
        None => find_namespace_by_path(&state.db, id).await?,
    };
    Ok(ns.filter(|n| n.kind == NamespaceKind::Group))
}

pub fn numeric_id(what: &str, id: &str) -> ApiResult<i64> {
    numeric(id).ok_or_else(|| crate::error::ApiError::not_found(what))
}

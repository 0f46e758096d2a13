//! `GET /projects/:id/registry/cleanup_policy/preview` (or `POST` with a body): what the
//! saved policy — or the saved policy with the fields given as parameters — would delete
//! now, per repository, with the bytes that frees. A dry run: nothing changes.

use axum::extract::{Path, State};
use axum::Json;
use berth_db::now_millis;
use berth_platform::container_registry::cleanup::{self, CleanupError, RepositoryPreview};
use berth_platform::permissions::Action;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Caller, ProjectCtx};
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::policy::{policy_error, policy_input};
use crate::RestState;

#[derive(Debug, Serialize, ToSchema)]
pub struct CleanupPreviewJson {
    pub repository_id: i64,
    pub path: String,
    /// The tags the policy would delete now, newest first.
    pub tags: Vec<String>,
    /// Bytes of the configs and layers no remaining manifest of the repository references
    /// afterwards (blobs other repositories share are counted too: an upper bound).
    pub bytes_freed: i64,
}

impl From<RepositoryPreview> for CleanupPreviewJson {
    fn from(p: RepositoryPreview) -> Self {
        CleanupPreviewJson { repository_id: p.repository_id, path: p.path, tags: p.tags, bytes_freed: p.bytes_freed }
    }
}

#[utoipa::path(get, path = "/projects/{id}/registry/cleanup_policy/preview", tag = "container registry",
    params(("id" = String, Path, description = "project id or URL-encoded full path"),
           ("cadence" = Option<String>, Query, description = "overrides the saved policy: 1d, 7d, 14d, 1month, 3month"),
           ("keep_n" = Option<i64>, Query, description = "1, 5, 10, 25, 50, 100, or empty for none"),
           ("older_than" = Option<String>, Query, description = "7d, 14d, 30d, 90d, or empty for none"),
           ("name_regex" = Option<String>, Query, description = "RE2, whole tag name, at most 255 characters"),
           ("name_regex_keep" = Option<String>, Query, description = "RE2, whole tag name, at most 255 characters")),
    responses((status = 200, body = Vec<CleanupPreviewJson>), (status = 400, description = "a refused value, naming the field (and the regex error position)"),
              (status = 401), (status = 403), (status = 404)))]
pub async fn preview(
    State(state): State<RestState>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Vec<CleanupPreviewJson>>> {
    let ctx = ProjectCtx::load(&state, &caller, &id).await?;
    ctx.require(&caller, Action::AdminCleanupPolicy)?;
    let saved = cleanup::load(&state.db, ctx.project.id).await?;
    let policy = saved.apply(&policy_input(&params)?).map_err(|e| policy_error(e, ""))?;
    let previews =
        cleanup::preview(&state.db, &state.registry, &ctx.project.full_path, &policy, now_millis()).await.map_err(|e| match e {
            CleanupError::Policy(e) => policy_error(e, ""),
            other => ApiError::internal(other),
        })?;
    Ok(Json(previews.into_iter().map(CleanupPreviewJson::from).collect()))
}

#[utoipa::path(post, path = "/projects/{id}/registry/cleanup_policy/preview", tag = "container registry",
    params(("id" = String, Path, description = "project id or URL-encoded full path")),
    request_body(description = "policy fields overriding the saved policy: cadence, keep_n, older_than, name_regex, name_regex_keep", content = Object),
    responses((status = 200, body = Vec<CleanupPreviewJson>), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn preview_posted(
    state: State<RestState>,
    caller: Caller,
    id: Path<String>,
    params: Params,
) -> ApiResult<Json<Vec<CleanupPreviewJson>>> {
    preview(state, caller, id, params).await
}

//! Container registry endpoints: repositories of a project or group, one repository, tags,
//! tag details, deleting a tag, bulk deletion and scheduling a repository's deletion.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use berth_db::sqlx::{self, any::AnyRow, Row};
use berth_db::Db;
use berth_platform::permissions::{can, Action};
use berth_platform::projects::{project_access, Project};
use berth_platform::registry_auth::actor_for;
use berth_registry::meta::TagRecord;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Caller, GroupCtx, ProjectCtx};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{page_url, paginated, PageRequest, MAX_PER_PAGE};
use crate::params::Params;
use crate::time::{parse_duration, rfc3339};
use crate::RestState;
use berth_platform::container_registry::bulk_delete::{request_bulk_delete, BulkDeleteRequest, RequestError};
use berth_platform::container_registry::deletion;
use berth_platform::container_registry::tag_rules::tag_time;

pub use berth_platform::container_registry::bulk_delete::BULK_DELETE_INTERVAL_MS;

#[derive(Debug, Serialize, ToSchema)]
pub struct RepositoryJson {
    pub id: i64,
    /// The path below the project (empty for the project's root image).
    pub name: String,
    pub path: String,
    pub project_id: i64,
    pub location: String,
    pub created_at: String,
    pub cleanup_policy_started_at: Option<String>,
    /// null, `delete_scheduled`, `delete_ongoing` or `delete_failed`.
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<TagJson>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TagJson {
    pub name: String,
    pub path: String,
    pub location: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TagDetailsJson {
    pub name: String,
    pub path: String,
    pub location: String,
    /// The config digest's hex.
    pub revision: Option<String>,
    pub short_revision: Option<String>,
    pub digest: String,
    pub media_type: String,
    pub created_at: String,
    /// Config and layers (for an index: its child manifests), in bytes.
    pub total_size: i64,
}

/// A repository row with the REST bookkeeping columns.
#[derive(Debug, Clone)]
pub struct RepoRow {
    pub id: i64,
    pub path: String,
    pub status: Option<String>,
    pub created_at: i64,
    pub cleanup_policy_started_at: Option<i64>,
    pub tag_count: i64,
}

const REPO_SELECT: &str = "SELECT r.id, r.path, r.status, r.created_at, r.cleanup_policy_started_at, \
    (SELECT COUNT(*) FROM tags t WHERE t.repository_id = r.id) AS tag_count FROM repositories r";

fn repo_row(r: &AnyRow) -> RepoRow {
    RepoRow {
        id: r.get("id"),
        path: r.get("path"),
        status: r.get("status"),
        created_at: r.get("created_at"),
        cleanup_policy_started_at: r.get("cleanup_policy_started_at"),
        tag_count: r.get("tag_count"),
    }
}

/// The project's repositories: its own path and everything below it, by path.
pub async fn repositories_of(db: &Db, project_path: &str) -> sqlx::Result<Vec<RepoRow>> {
    let rows = sqlx::query(&format!("{REPO_SELECT} WHERE r.path = $1 OR substr(r.path, 1, length($1) + 1) = $1 || '/' ORDER BY r.path"))
        .bind(project_path)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(repo_row).collect())
}

pub async fn repository_by_id(db: &Db, id: i64) -> sqlx::Result<Option<RepoRow>> {
    let row = sqlx::query(&format!("{REPO_SELECT} WHERE r.id = $1")).bind(id).fetch_optional(&db.pool).await?;
    Ok(row.as_ref().map(repo_row))
}

/// Bytes of the distinct blobs (configs and layers) the repository's manifests reference.
async fn repository_size(db: &Db, id: i64) -> sqlx::Result<i64> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(b.size), 0) AS BIGINT) AS size FROM blobs b WHERE b.digest IN ( \
             SELECT mb.blob_digest FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id WHERE m.repository_id = $1)",
    )
    .bind(id)
    .fetch_one(&db.pool)
    .await?;
    row.try_get("size")
}

fn belongs_to(project: &Project, path: &str) -> bool {
    path == project.full_path || path.strip_prefix(project.full_path.as_str()).is_some_and(|rest| rest.starts_with('/'))
}

fn tag_json(state: &RestState, repo_path: &str, name: &str) -> TagJson {
    TagJson { name: name.to_string(), path: format!("{repo_path}:{name}"), location: format!("{}/{repo_path}:{name}", state.registry_host) }
}

async fn repository_json(
    state: &RestState,
    project: &Project,
    row: &RepoRow,
    with_tags: bool,
    with_count: bool,
    with_size: bool,
) -> ApiResult<RepositoryJson> {
    let name = row.path.strip_prefix(project.full_path.as_str()).unwrap_or("").trim_start_matches('/').to_string();
    let tags = if with_tags {
        let tags = state.registry.service().tags(&row.path).await?;
        Some(tags.iter().map(|t| tag_json(state, &row.path, &t.name)).collect())
    } else {
        None
    };
    Ok(RepositoryJson {
        id: row.id,
        name,
        path: row.path.clone(),
        project_id: project.id,
        location: format!("{}/{}", state.registry_host, row.path),
        created_at: rfc3339(row.created_at),
        cleanup_policy_started_at: row.cleanup_policy_started_at.map(rfc3339),
        status: row.status.clone(),
        tags_count: with_count.then_some(row.tag_count),
        tags,
        size: if with_size { Some(repository_size(&state.db, row.id).await?) } else { None },
    })
}

/// The project (visible, registry readable) and one of its repositories.
async fn project_repository(state: &RestState, caller: &Caller, id: &str, repository_id: &str) -> ApiResult<(ProjectCtx, RepoRow)> {
    let ctx = ProjectCtx::load(state, caller, id).await?;
    ctx.require(caller, Action::ReadRegistry)?;
    let repo_id = crate::resolve::numeric_id("Repository", repository_id)?;
    let row = repository_by_id(&state.db, repo_id).await?.filter(|r| belongs_to(&ctx.project, &r.path));
    let row = row.ok_or_else(|| ApiError::not_found("Repository"))?;
    Ok((ctx, row))
}

#[utoipa::path(get, path = "/projects/{id}/registry/repositories", tag = "container registry",
    params(("id" = String, Path, description = "project id or URL-encoded full path"),
           ("tags" = Option<bool>, Query), ("tags_count" = Option<bool>, Query),
           ("page" = Option<i64>, Query), ("per_page" = Option<i64>, Query)),
    responses((status = 200, body = Vec<RepositoryJson>), (status = 401), (status = 403), (status = 404)))]
pub async fn list_project_repositories(
    State(state): State<RestState>,
    caller: Caller,
    Path(id): Path<String>,
    uri: Uri,
    params: Params,
) -> ApiResult<Response> {
    let ctx = ProjectCtx::load(&state, &caller, &id).await?;
    ctx.require(&caller, Action::ReadRegistry)?;
    let page = PageRequest::from_params(&params)?;
    let (tags, count) = (params.bool("tags")?.unwrap_or(false), params.bool("tags_count")?.unwrap_or(false));
    let rows = repositories_of(&state.db, &ctx.project.full_path).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(repository_json(&state, &ctx.project, row, tags, count, false).await?);
    }
    Ok(paginated(&state, &uri, page, out))
}

#[utoipa::path(get, path = "/groups/{id}/registry/repositories", tag = "container registry",
    params(("id" = String, Path, description = "group id or URL-encoded full path"),
           ("tags" = Option<bool>, Query), ("tags_count" = Option<bool>, Query),
           ("page" = Option<i64>, Query), ("per_page" = Option<i64>, Query)),
    responses((status = 200, body = Vec<RepositoryJson>), (status = 401), (status = 404)))]
pub async fn list_group_repositories(
    State(state): State<RestState>,
    caller: Caller,
    Path(id): Path<String>,
    uri: Uri,
    params: Params,
) -> ApiResult<Response> {
    let group = GroupCtx::load(&state, &caller, &id).await?;
    let page = PageRequest::from_params(&params)?;
    let (tags, count) = (params.bool("tags")?.unwrap_or(false), params.bool("tags_count")?.unwrap_or(false));
    let mut out = Vec::new();
    for project in berth_platform::container_registry::group_projects::projects_below(&state.db, &group.group.full_path).await? {
        let actor = actor_for(&state.db, caller.credential.as_ref(), &project).await?;
        if !can(&actor, Action::ReadRegistry, &project_access(&project)) {
            continue;
        }
        for row in repositories_of(&state.db, &project.full_path).await? {
            out.push(repository_json(&state, &project, &row, tags, count, false).await?);
        }
    }
    Ok(paginated(&state, &uri, page, out))
}

#[utoipa::path(get, path = "/registry/repositories/{id}", tag = "container registry",
    params(("id" = i64, Path), ("tags" = Option<bool>, Query), ("tags_count" = Option<bool>, Query), ("size" = Option<bool>, Query)),
    responses((status = 200, body = RepositoryJson), (status = 401), (status = 403), (status = 404)))]
pub async fn get_repository(
    State(state): State<RestState>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<RepositoryJson>> {
    let repo_id = crate::resolve::numeric_id("Repository", &id)?;
    let row = repository_by_id(&state.db, repo_id).await?.ok_or_else(|| ApiError::not_found("Repository"))?;
    let candidates = berth_platform::paths::candidate_project_paths(&row.path);
    let project =
        berth_platform::repo::projects::longest_of(&state.db, &candidates).await?.ok_or_else(|| ApiError::not_found("Repository"))?;
    let actor = actor_for(&state.db, caller.credential.as_ref(), &project).await?;
    let access = project_access(&project);
    if !can(&actor, Action::ReadRegistry, &access) {
        return Err(if can(&actor, Action::ReadProject, &access) { caller.refused() } else { ApiError::not_found("Repository") });
    }
    let (tags, count, size) =
        (params.bool("tags")?.unwrap_or(false), params.bool("tags_count")?.unwrap_or(false), params.bool("size")?.unwrap_or(false));
    Ok(Json(repository_json(&state, &project, &row, tags, count, size).await?))
}

#[utoipa::path(delete, path = "/projects/{id}/registry/repositories/{repository_id}", tag = "container registry",
    params(("id" = String, Path), ("repository_id" = i64, Path)),
    responses((status = 202, description = "deletion scheduled"), (status = 401), (status = 403), (status = 404)))]
pub async fn delete_repository(
    State(state): State<RestState>,
    caller: Caller,
    Path((id, repository_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (ctx, row) = project_repository(&state, &caller, &id, &repository_id).await?;
    ctx.require(&caller, Action::DeleteRepository)?;
    deletion::schedule(&state.db, row.id).await?;
    state.nudge_deletion_work();
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({ "message": "202 Accepted" }))).into_response())
}

#[utoipa::path(get, path = "/projects/{id}/registry/repositories/{repository_id}/tags", tag = "container registry",
    params(("id" = String, Path), ("repository_id" = i64, Path),
           ("page" = Option<i64>, Query), ("per_page" = Option<i64>, Query),
           ("pagination" = Option<String>, Query, description = "`keyset` for keyset paging"),
           ("sort" = Option<String>, Query, description = "`asc` or `desc` (by name)"),
           ("last" = Option<String>, Query, description = "keyset: the last tag name of the previous page")),
    responses((status = 200, body = Vec<TagJson>), (status = 401), (status = 403), (status = 404)))]
pub async fn list_tags(
    State(state): State<RestState>,
    caller: Caller,
    Path((id, repository_id)): Path<(String, String)>,
    uri: Uri,
    params: Params,
) -> ApiResult<Response> {
    let (_ctx, row) = project_repository(&state, &caller, &id, &repository_id).await?;
    let descending = match params.str("sort")?.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => return Err(ApiError::param("sort does not have a valid value")),
    };
    let mut names: Vec<String> = state.registry.service().tags(&row.path).await?.into_iter().map(|t| t.name).collect();
    if descending {
        names.reverse();
    }
    let keyset = match params.str("pagination")?.as_deref() {
        None | Some("offset") => false,
        Some("keyset") => true,
        Some(_) => return Err(ApiError::param("pagination does not have a valid value")),
    };
    if !keyset {
        let page = PageRequest::from_params(&params)?;
        let tags: Vec<TagJson> = names.iter().map(|n| tag_json(&state, &row.path, n)).collect();
        return Ok(paginated(&state, &uri, page, tags));
    }
    let per_page = params.int("per_page")?.unwrap_or(crate::pagination::DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE) as usize;
    let last = params.str("last")?;
    let after: Vec<&String> = names
        .iter()
        .filter(|n| match &last {
            None => true,
            Some(l) if descending => n.as_str() < l.as_str(),
            Some(l) => n.as_str() > l.as_str(),
        })
        .collect();
    let page: Vec<TagJson> = after.iter().take(per_page).map(|n| tag_json(&state, &row.path, n)).collect();
    let mut headers = HeaderMap::new();
    if after.len() > per_page {
        let last_name = page.last().map(|t| t.name.clone()).unwrap_or_default();
        let next = page_url(&state, &uri, &[("last", last_name), ("per_page", per_page.to_string())]);
        if let Ok(v) = HeaderValue::from_str(&format!("<{next}>; rel=\"next\"")) {
            headers.insert("link", v);
        }
    }
    Ok((headers, Json(page)).into_response())
}

fn tag_details(state: &RestState, repo_path: &str, tag: &TagRecord) -> TagDetailsJson {
    let revision = tag.config_digest.as_ref().map(|d| d.split_once(':').map(|(_, hex)| hex).unwrap_or(d).to_string());
    TagDetailsJson {
        name: tag.name.clone(),
        path: format!("{repo_path}:{}", tag.name),
        location: format!("{}/{repo_path}:{}", state.registry_host, tag.name),
        short_revision: revision.as_ref().map(|r| r.chars().take(9).collect()),
        revision,
        digest: tag.digest.clone(),
        media_type: tag.media_type.clone(),
        created_at: rfc3339(tag_time(tag)),
        total_size: (tag.total_size - tag.manifest_size).max(0),
    }
}

#[utoipa::path(get, path = "/projects/{id}/registry/repositories/{repository_id}/tags/{tag_name}", tag = "container registry",
    params(("id" = String, Path), ("repository_id" = i64, Path), ("tag_name" = String, Path)),
    responses((status = 200, body = TagDetailsJson), (status = 401), (status = 403), (status = 404)))]
pub async fn get_tag(
    State(state): State<RestState>,
    caller: Caller,
    Path((id, repository_id, tag_name)): Path<(String, String, String)>,
) -> ApiResult<Json<TagDetailsJson>> {
    let (_ctx, row) = project_repository(&state, &caller, &id, &repository_id).await?;
    let tags = state.registry.service().tags(&row.path).await?;
    let tag = tags.iter().find(|t| t.name == tag_name).ok_or_else(|| ApiError::not_found("Tag"))?;
    Ok(Json(tag_details(&state, &row.path, tag)))
}

#[utoipa::path(delete, path = "/projects/{id}/registry/repositories/{repository_id}/tags/{tag_name}", tag = "container registry",
    params(("id" = String, Path), ("repository_id" = i64, Path), ("tag_name" = String, Path)),
    responses((status = 200), (status = 401), (status = 403), (status = 404)))]
pub async fn delete_tag(
    State(state): State<RestState>,
    caller: Caller,
    Path((id, repository_id, tag_name)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let (ctx, row) = project_repository(&state, &caller, &id, &repository_id).await?;
    let deleted = {
        use berth_platform::container_registry::tag_deletion::{delete_tags, TargetRepository};
        let target = TargetRepository { path: &row.path, status: row.status.as_deref() };
        delete_tags(&state.registry, &ctx.actor, &ctx.project, target, &[&tag_name])
    }
    .await
    .map_err(|e| match e {
        berth_platform::PlatformError::Forbidden(_) => caller.refused(),
        other => other.into(),
    })?;
    if let Some((_, e)) = deleted.failed {
        return Err(e.into());
    }
    if deleted.count == 0 {
        return Err(ApiError::not_found("Tag"));
    }
    Ok(StatusCode::OK.into_response())
}

#[utoipa::path(delete, path = "/projects/{id}/registry/repositories/{repository_id}/tags", tag = "container registry",
    params(("id" = String, Path), ("repository_id" = i64, Path),
           ("name_regex_delete" = Option<String>, Query, description = "RE2, whole name; required (or the older `name_regex`)"),
           ("name_regex_keep" = Option<String>, Query), ("keep_n" = Option<i64>, Query),
           ("older_than" = Option<String>, Query, description = "e.g. `1h`, `7d`, `1month`")),
    responses((status = 202, description = "deletion started in the background"), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn bulk_delete_tags(
    State(state): State<RestState>,
    caller: Caller,
    Path((id, repository_id)): Path<(String, String)>,
    params: Params,
) -> ApiResult<Response> {
    let (ctx, row) = project_repository(&state, &caller, &id, &repository_id).await?;
    ctx.require(&caller, Action::DeleteRepository)?;
    // `name_regex` is the older name of `name_regex_delete`.
    let name_regex_delete =
        params.str("name_regex_delete")?.or(params.str("name_regex")?).ok_or_else(|| ApiError::param("name_regex_delete is missing"))?;
    let keep_n = match params.int("keep_n")? {
        Some(n) if n < 0 => return Err(ApiError::param("keep_n is invalid")),
        n => n,
    };
    let older_than_ms = match params.str("older_than")? {
        Some(s) if !s.is_empty() => {
            Some(parse_duration(&s).ok_or_else(|| ApiError::param("older_than is invalid: use e.g. 1h, 7d or 1month"))?)
        }
        _ => None,
    };
    let request = BulkDeleteRequest {
        name_regex_delete,
        name_regex_keep: params.str("name_regex_keep")?.filter(|k| !k.is_empty()),
        keep_n,
        older_than_ms,
    };
    match request_bulk_delete(&state.db, row.id, &request).await {
        Ok(()) => {}
        Err(RequestError::Invalid(m)) => return Err(ApiError::param(m)),
        Err(e @ RequestError::TooSoon) => return Err(ApiError::bad_request(e.to_string())),
        Err(RequestError::Database(e)) => return Err(e.into()),
    }
    state.nudge_deletion_work();
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({ "message": "202 Accepted" }))).into_response())
}

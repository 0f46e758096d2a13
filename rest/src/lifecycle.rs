//! Moving and deleting projects and groups: `PUT /projects/:id/transfer`,
//! `DELETE /projects/:id`, `PUT /groups/:id`, `POST /groups/:id/transfer`,
//! `DELETE /groups/:id`. (Renaming a project is `PUT /projects/:id` with `path`.) Refusals
//! while tags exist are 400 with storage-lifecycle.md's message; deletions answer 202 and
//! finish in the background.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use berth_platform::group_lifecycle::{may_create_subgroups_in, update_group, GroupChanges};
use berth_platform::members::effective_group_role;
use berth_platform::model::Visibility;
use berth_platform::namespaces::{find_namespace, find_namespace_by_path, Namespace};
use berth_platform::permissions::Action;
use berth_platform::project_lifecycle::{delete_project, may_create_projects_in, transfer_project};
use berth_platform::{accounts::User, group_lifecycle};

use crate::auth::{Caller, GroupCtx, ProjectCtx};
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::projects::{group_json, project_json, visibility_param, GroupJson, ProjectJson};
use crate::RestState;

fn accepted() -> Response {
    (StatusCode::ACCEPTED, Json(serde_json::json!({ "message": "202 Accepted" }))).into_response()
}

/// A namespace by id or full path; 404 when it does not exist.
async fn namespace(state: &RestState, id: &str, what: &str) -> ApiResult<Namespace> {
    let ns = match id.parse::<i64>() {
        Ok(n) => find_namespace(&state.db, n).await?,
        Err(_) => find_namespace_by_path(&state.db, id).await?,
    };
    ns.ok_or_else(|| ApiError::not_found(what))
}

/// 403 when the caller may see the namespace but not act in it; 404 for a private one they
/// have no role in (its existence is not revealed).
async fn refused_in(state: &RestState, user: &User, ns: &Namespace, what: &str) -> ApiResult<ApiError> {
    let role = effective_group_role(&state.db, ns.id, user.id).await?;
    Ok(if role.is_some() || ns.visibility != Visibility::Private { ApiError::forbidden() } else { ApiError::not_found(what) })
}

#[utoipa::path(put, path = "/projects/{id}/transfer", tag = "projects", params(("id" = String, Path)),
    request_body(description = "namespace: the id or full path of the group or personal namespace to move the project to", content = Object),
    responses((status = 200, body = ProjectJson), (status = 400, description = "refused, e.g. while tags are present in its container registry"),
              (status = 401), (status = 403), (status = 404)))]
pub async fn transfer_project_handler(
    State(state): State<RestState>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<ProjectJson>> {
    let ctx = ProjectCtx::load(&state, &caller, &id).await?;
    ctx.require(&caller, Action::TransferProject)?;
    let user = caller.require_user()?;
    let target = params.str("namespace")?.or(params.str("namespace_id")?).ok_or_else(|| ApiError::param("namespace is missing"))?;
    let target = namespace(&state, &target, "Namespace").await?;
    if !may_create_projects_in(&state.db, user, &target).await? {
        return Err(refused_in(&state, user, &target, "Namespace").await?);
    }
    let moved = transfer_project(&state.db, ctx.project.id, target.id).await?;
    Ok(Json(project_json(&state, &moved).await?))
}

#[utoipa::path(delete, path = "/projects/{id}", tag = "projects", params(("id" = String, Path)),
    responses((status = 202, description = "the project and its images are being deleted"), (status = 401), (status = 403), (status = 404)))]
pub async fn delete_project_handler(State(state): State<RestState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let ctx = ProjectCtx::load(&state, &caller, &id).await?;
    ctx.require(&caller, Action::DeleteProject)?;
    delete_project(&state.db, ctx.project.id).await?;
    state.nudge_deletion_work();
    Ok(accepted())
}

#[utoipa::path(put, path = "/groups/{id}", tag = "groups", params(("id" = String, Path)),
    request_body(description = "name, path, visibility, parent_id (null: move to the top level)", content = Object),
    responses((status = 200, body = GroupJson), (status = 400, description = "invalid, or refused while projects below have tags"),
              (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn update_group_handler(
    State(state): State<RestState>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<GroupJson>> {
    let ctx = GroupCtx::load(&state, &caller, &id).await?;
    let name = params.str("name")?;
    let path = params.str("path")?.filter(|p| !p.is_empty());
    let visibility = visibility_param(&params)?;
    let parent_id = if params.has("parent_id") { Some(params.int("parent_id")?) } else { None };
    let changes = GroupChanges { name: name.as_deref(), path: path.as_deref(), visibility, parent_id };
    Ok(Json(change_group(&state, &caller, &ctx, &changes).await?))
}

#[utoipa::path(post, path = "/groups/{id}/transfer", tag = "groups", params(("id" = String, Path)),
    request_body(description = "group_id: the new parent group; absent to make it a top-level group", content = Object),
    responses((status = 201, body = GroupJson), (status = 400, description = "refused, e.g. while projects below have tags"),
              (status = 401), (status = 403), (status = 404)))]
pub async fn transfer_group_handler(
    State(state): State<RestState>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    let ctx = GroupCtx::load(&state, &caller, &id).await?;
    let changes = GroupChanges { parent_id: Some(params.int("group_id")?), ..Default::default() };
    let group = change_group(&state, &caller, &ctx, &changes).await?;
    Ok((StatusCode::CREATED, Json(group)).into_response())
}

/// Owner of the group (or an administrator); moving under a parent also needs the right
/// to create subgroups there.
async fn change_group(state: &RestState, caller: &Caller, ctx: &GroupCtx, changes: &GroupChanges<'_>) -> ApiResult<GroupJson> {
    ctx.require(caller, Action::AdminGroup)?;
    let user = caller.require_user()?;
    if let Some(Some(parent_id)) = changes.parent_id.filter(|p| *p != ctx.group.parent_id) {
        let parent = namespace(state, &parent_id.to_string(), "Parent group").await?;
        if !may_create_subgroups_in(&state.db, user, &parent).await? {
            return Err(refused_in(state, user, &parent, "Parent group").await?);
        }
    }
    let group = update_group(&state.db, ctx.group.id, changes).await?;
    Ok(group_json(state, &group))
}

#[utoipa::path(delete, path = "/groups/{id}", tag = "groups", params(("id" = String, Path)),
    responses((status = 202, description = "the group, its subgroups and projects (with their images) are being deleted"),
              (status = 401), (status = 403), (status = 404)))]
pub async fn delete_group_handler(State(state): State<RestState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let ctx = GroupCtx::load(&state, &caller, &id).await?;
    ctx.require(&caller, Action::AdminGroup)?;
    group_lifecycle::delete_group(&state.db, ctx.group.id).await?;
    state.nudge_deletion_work();
    Ok(accepted())
}

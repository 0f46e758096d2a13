//! Members of projects and groups (`access_level` 10/20/30/40/50).

use axum::extract::{MatchedPath, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use berth_platform::members::{list_members, remove_member, set_member, Member, MemberTarget};
use berth_platform::model::Role;
use berth_platform::permissions::Action;
use berth_platform::users::find_user;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Caller, GroupCtx, ProjectCtx};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{paginated, PageRequest};
use crate::params::Params;
use crate::resolve::numeric_id;
use crate::time::rfc3339;
use crate::RestState;

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberJson {
    pub id: i64,
    pub username: String,
    pub name: String,
    /// `active` or `blocked`.
    pub state: String,
    pub access_level: i64,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub web_url: String,
}

async fn member_json(state: &RestState, m: &Member) -> ApiResult<MemberJson> {
    let user = find_user(&state.db, m.user_id).await?;
    Ok(MemberJson {
        id: m.user_id,
        username: m.username.clone(),
        name: user.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
        state: if user.as_ref().is_some_and(|u| u.is_blocked) { "blocked" } else { "active" }.into(),
        access_level: m.role.access_level(),
        created_at: rfc3339(m.created_at),
        expires_at: None,
        web_url: format!("{}/{}", state.external_url.trim_end_matches('/'), m.username),
    })
}

/// Which membership list, and the caller's rights on it.
enum Target {
    Project(ProjectCtx),
    Group(GroupCtx),
}

impl Target {
    /// The route says which: `/api/v4/projects/...` or `/api/v4/groups/...`.
    async fn load(state: &RestState, caller: &Caller, route: &MatchedPath, id: &str) -> ApiResult<Target> {
        Ok(if route.as_str().starts_with("/api/v4/projects/") {
            Target::Project(ProjectCtx::load(state, caller, id).await?)
        } else {
            Target::Group(GroupCtx::load(state, caller, id).await?)
        })
    }

    fn member_target(&self) -> MemberTarget {
        match self {
            Target::Project(p) => MemberTarget::Project(p.project.id),
            Target::Group(g) => MemberTarget::Group(g.group.id),
        }
    }

    fn require(&self, caller: &Caller, action: Action) -> ApiResult<()> {
        match self {
            Target::Project(p) => p.require(caller, action),
            Target::Group(g) => g.require(caller, action),
        }
    }
}

fn role_param(params: &Params) -> ApiResult<Role> {
    let level = params.int("access_level")?.ok_or_else(|| ApiError::param("access_level is missing"))?;
    Role::from_access_level(level).ok_or_else(|| ApiError::param("access_level does not have a valid value"))
}

async fn find_member(state: &RestState, target: MemberTarget, user_id: i64) -> ApiResult<Option<Member>> {
    Ok(list_members(&state.db, target).await?.into_iter().find(|m| m.user_id == user_id))
}

#[utoipa::path(get, path = "/projects/{id}/members", tag = "members", description = "The same under `/groups/{id}/members`.",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<MemberJson>), (status = 404)))]
pub async fn list(
    State(state): State<RestState>,
    caller: Caller,
    route: MatchedPath,
    Path(id): Path<String>,
    uri: Uri,
    params: Params,
) -> ApiResult<Response> {
    let target = Target::load(&state, &caller, &route, &id).await?;
    let page = PageRequest::from_params(&params)?;
    let mut out = Vec::new();
    for m in list_members(&state.db, target.member_target()).await? {
        out.push(member_json(&state, &m).await?);
    }
    Ok(paginated(&state, &uri, page, out))
}

#[utoipa::path(get, path = "/projects/{id}/members/{user_id}", tag = "members", description = "The same under `/groups/{id}/members`.",
    params(("id" = String, Path), ("user_id" = i64, Path)),
    responses((status = 200, body = MemberJson), (status = 404)))]
pub async fn get(
    State(state): State<RestState>,
    caller: Caller,
    route: MatchedPath,
    Path((id, user_id)): Path<(String, String)>,
) -> ApiResult<Json<MemberJson>> {
    let target = Target::load(&state, &caller, &route, &id).await?;
    let user_id = numeric_id("Member", &user_id)?;
    let m = find_member(&state, target.member_target(), user_id).await?.ok_or_else(|| ApiError::not_found("Member"))?;
    Ok(Json(member_json(&state, &m).await?))
}

#[utoipa::path(post, path = "/projects/{id}/members", tag = "members", description = "The same under `/groups/{id}/members`.",
    params(("id" = String, Path)),
    request_body(description = "user_id, access_level", content = Object),
    responses((status = 201, body = MemberJson), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub async fn add(
    State(state): State<RestState>,
    caller: Caller,
    route: MatchedPath,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    let target = Target::load(&state, &caller, &route, &id).await?;
    let user_id = params.int("user_id")?.ok_or_else(|| ApiError::param("user_id is missing"))?;
    let role = role_param(&params)?;
    target.require(&caller, Action::ManageMembers)?;
    if role == Role::Owner {
        target.require(&caller, Action::GrantOwner)?;
    }
    if find_member(&state, target.member_target(), user_id).await?.is_some() {
        return Err(ApiError::message(StatusCode::CONFLICT, "Member already exists"));
    }
    set_member(&state.db, target.member_target(), user_id, role).await?;
    let m = find_member(&state, target.member_target(), user_id).await?.ok_or_else(|| ApiError::not_found("Member"))?;
    Ok((StatusCode::CREATED, Json(member_json(&state, &m).await?)).into_response())
}

#[utoipa::path(put, path = "/projects/{id}/members/{user_id}", tag = "members", description = "The same under `/groups/{id}/members`.",
    params(("id" = String, Path), ("user_id" = i64, Path)),
    request_body(description = "access_level", content = Object),
    responses((status = 200, body = MemberJson), (status = 400), (status = 403), (status = 404)))]
pub async fn update(
    State(state): State<RestState>,
    caller: Caller,
    route: MatchedPath,
    Path((id, user_id)): Path<(String, String)>,
    params: Params,
) -> ApiResult<Json<MemberJson>> {
    let target = Target::load(&state, &caller, &route, &id).await?;
    let user_id = numeric_id("Member", &user_id)?;
    let role = role_param(&params)?;
    target.require(&caller, Action::ManageMembers)?;
    let current = find_member(&state, target.member_target(), user_id).await?.ok_or_else(|| ApiError::not_found("Member"))?;
    if role == Role::Owner || current.role == Role::Owner {
        target.require(&caller, Action::GrantOwner)?;
    }
    set_member(&state.db, target.member_target(), user_id, role).await?;
    let m = find_member(&state, target.member_target(), user_id).await?.ok_or_else(|| ApiError::not_found("Member"))?;
    Ok(Json(member_json(&state, &m).await?))
}

#[utoipa::path(delete, path = "/projects/{id}/members/{user_id}", tag = "members", description = "The same under `/groups/{id}/members`.",
    params(("id" = String, Path), ("user_id" = i64, Path)),
    responses((status = 204), (status = 403), (status = 404)))]
pub async fn remove(
    State(state): State<RestState>,
    caller: Caller,
    route: MatchedPath,
    Path((id, user_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let target = Target::load(&state, &caller, &route, &id).await?;
    let user_id = numeric_id("Member", &user_id)?;
    target.require(&caller, Action::ManageMembers)?;
    let current = find_member(&state, target.member_target(), user_id).await?.ok_or_else(|| ApiError::not_found("Member"))?;
    if current.role == Role::Owner {
        target.require(&caller, Action::GrantOwner)?;
    }
    remove_member(&state.db, target.member_target(), user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! Users, personal access tokens and deploy tokens.

use axum::extract::{MatchedPath, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use berth_db::now_millis;
use berth_platform::accounts::User;
use berth_platform::model::Scopes;
use berth_platform::permissions::Action;
use berth_platform::tokens::{
    create_deploy_token, create_personal_access_token, list_deploy_tokens, list_personal_access_tokens, revoke_deploy_token,
    revoke_personal_access_token, DeployToken, DeployTokenOwner, PersonalAccessToken,
};
use berth_platform::users::{create_user, find_user, NewUser};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Caller, GroupCtx, ProjectCtx};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{paginated, PageRequest};
use crate::params::Params;
use crate::resolve::numeric_id;
use crate::time::{date, parse_date, rfc3339};
use crate::RestState;

#[derive(Debug, Serialize, ToSchema)]
pub struct UserJson {
    pub id: i64,
    pub username: String,
    pub name: String,
    /// `active` or `blocked`.
    pub state: String,
    pub web_url: String,
    pub avatar_url: Option<String>,
    pub created_at: Option<String>,
    /// Only for administrators and the user themself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_admin: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalAccessTokenJson {
    pub id: i64,
    pub name: String,
    pub revoked: bool,
    pub created_at: String,
    pub scopes: Vec<String>,
    pub user_id: i64,
    pub active: bool,
    /// `YYYY-MM-DD`.
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    /// The secret: in the creation answer only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeployTokenJson {
    pub id: i64,
    pub name: String,
    pub username: String,
    pub expires_at: Option<String>,
    pub scopes: Vec<String>,
    pub revoked: bool,
    pub expired: bool,
    /// The secret: in the creation answer only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

async fn user_json(state: &RestState, caller: &Caller, u: &User) -> ApiResult<UserJson> {
    let private = caller.is_admin() || caller.user().is_some_and(|me| me.id == u.id);
    Ok(UserJson {
        id: u.id,
        username: u.username.clone(),
        name: u.name.clone(),
        state: if u.is_blocked { "blocked" } else { "active" }.into(),
        web_url: format!("{}/{}", state.external_url.trim_end_matches('/'), u.username),
        avatar_url: None,
        created_at: berth_platform::listing::user_created_at(&state.db, u.id).await?.map(rfc3339),
        email: private.then(|| u.email.clone()),
        is_admin: private.then_some(u.is_admin),
    })
}

fn scope_names(scopes: Scopes) -> Vec<String> {
    scopes.iter().map(|s| s.as_str().to_string()).collect()
}

fn pat_json(t: &PersonalAccessToken, secret: Option<String>) -> PersonalAccessTokenJson {
    let now = now_millis();
    PersonalAccessTokenJson {
        id: t.id,
        name: t.name.clone(),
        revoked: t.revoked,
        created_at: rfc3339(t.created_at),
        scopes: scope_names(t.scopes),
        user_id: t.user_id,
        active: !t.revoked && t.expires_at.is_none_or(|e| e > now),
        expires_at: t.expires_at.map(date),
        last_used_at: t.last_used_at.map(rfc3339),
        token: secret,
    }
}

fn deploy_json(t: &DeployToken, secret: Option<String>) -> DeployTokenJson {
    DeployTokenJson {
        id: t.id,
        name: t.name.clone(),
        username: t.username.clone(),
        expires_at: t.expires_at.map(rfc3339),
        scopes: scope_names(t.scopes),
        revoked: t.revoked,
        expired: t.expires_at.is_some_and(|e| e <= now_millis()),
        token: secret,
    }
}

fn scopes_param(params: &Params) -> ApiResult<Scopes> {
    let names = params.list("scopes")?.ok_or_else(|| ApiError::param("scopes is missing"))?;
    Scopes::parse_list(names.iter().map(String::as_str)).map_err(ApiError::param)
}

fn expiry_param(params: &Params) -> ApiResult<Option<i64>> {
    match params.str("expires_at")?.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => parse_date(&s).map(Some).ok_or_else(|| ApiError::param("expires_at is invalid: use YYYY-MM-DD")),
    }
}

#[utoipa::path(get, path = "/user", tag = "users", responses((status = 200, body = UserJson), (status = 401)))]
pub async fn current_user(State(state): State<RestState>, caller: Caller) -> ApiResult<Json<UserJson>> {
    let user = caller.credential.as_ref().and_then(|c| c.user()).ok_or_else(ApiError::unauthorized)?.clone();
    Ok(Json(user_json(&state, &caller, &user).await?))
}

#[utoipa::path(get, path = "/users", tag = "users",
    params(("username" = Option<String>, Query), ("search" = Option<String>, Query), ("page" = Option<i64>, Query), ("per_page" = Option<i64>, Query)),
    responses((status = 200, body = Vec<UserJson>), (status = 401)))]
pub async fn list_users(State(state): State<RestState>, caller: Caller, uri: Uri, params: Params) -> ApiResult<Response> {
    caller.require_user()?;
    let page = PageRequest::from_params(&params)?;
    let username = params.str("username")?;
    let search = params.str("search")?.map(|s| s.to_lowercase());
    let mut out = Vec::new();
    for u in berth_platform::listing::all_users(&state.db).await? {
        if username.as_ref().is_some_and(|n| !n.eq_ignore_ascii_case(&u.username)) {
            continue;
        }
        if search.as_ref().is_some_and(|s| !u.username.contains(s.as_str()) && !u.name.to_lowercase().contains(s.as_str())) {
            continue;
        }
        out.push(user_json(&state, &caller, &u).await?);
    }
    Ok(paginated(&state, &uri, page, out))
}

#[utoipa::path(get, path = "/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserJson), (status = 401), (status = 404)))]
pub async fn get_user(State(state): State<RestState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<UserJson>> {
    caller.require_user()?;
    let user = find_user(&state.db, numeric_id("User", &id)?).await?.ok_or_else(|| ApiError::not_found("User"))?;
    Ok(Json(user_json(&state, &caller, &user).await?))
}

#[utoipa::path(post, path = "/users", tag = "users",
    request_body(description = "username, name, email, password, admin (administrators only)", content = Object),
    responses((status = 201, body = UserJson), (status = 400), (status = 401), (status = 403), (status = 409)))]
pub async fn create_user_handler(State(state): State<RestState>, caller: Caller, params: Params) -> ApiResult<Response> {
    caller.require_admin()?;
    let username = params.required_str("username")?;
    let email = params.required_str("email")?;
    let name = params.str("name")?.unwrap_or_default();
    let password = params.str("password")?.ok_or_else(|| ApiError::param("password is missing (reset_password is not supported)"))?;
    let is_admin = params.bool("admin")?.unwrap_or(false);
    let user = create_user(&state.db, &NewUser { username: &username, name: &name, email: &email, password: &password, is_admin }).await?;
    Ok((StatusCode::CREATED, Json(user_json(&state, &caller, &user).await?)).into_response())
}

#[utoipa::path(post, path = "/users/{id}/personal_access_tokens", tag = "tokens", params(("id" = i64, Path)),
    request_body(description = "name, scopes (api, read_api, read_registry, write_registry), expires_at (YYYY-MM-DD)", content = Object),
    responses((status = 201, body = PersonalAccessTokenJson), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn create_pat(State(state): State<RestState>, caller: Caller, Path(id): Path<String>, params: Params) -> ApiResult<Response> {
    caller.require_admin()?;
    let user = find_user(&state.db, numeric_id("User", &id)?).await?.ok_or_else(|| ApiError::not_found("User"))?;
    let name = params.required_str("name")?;
    let scopes = scopes_param(&params)?;
    let created = create_personal_access_token(&state.db, user.id, &name, scopes, expiry_param(&params)?).await?;
    Ok((StatusCode::CREATED, Json(pat_json(&created.token, Some(created.secret)))).into_response())
}

#[utoipa::path(get, path = "/personal_access_tokens", tag = "tokens",
    params(("user_id" = Option<i64>, Query, description = "administrators: another user's tokens")),
    responses((status = 200, body = Vec<PersonalAccessTokenJson>), (status = 401)))]
pub async fn list_pats(State(state): State<RestState>, caller: Caller, uri: Uri, params: Params) -> ApiResult<Response> {
    let me = caller.require_user()?.clone();
    let page = PageRequest::from_params(&params)?;
    let users = match params.int("user_id")? {
        Some(id) if id != me.id => {
            if !me.is_admin {
                return Err(ApiError::forbidden());
            }
            vec![id]
        }
        Some(_) => vec![me.id],
        None if me.is_admin => berth_platform::listing::all_users(&state.db).await?.into_iter().map(|u| u.id).collect(),
        None => vec![me.id],
    };
    let mut out = Vec::new();
    for id in users {
        out.extend(list_personal_access_tokens(&state.db, id).await?.iter().map(|t| pat_json(t, None)));
    }
    Ok(paginated(&state, &uri, page, out))
}

#[utoipa::path(delete, path = "/personal_access_tokens/{id}", tag = "tokens", params(("id" = i64, Path)),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
pub async fn revoke_pat(State(state): State<RestState>, caller: Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let me = caller.require_user()?.clone();
    let id = numeric_id("Personal access token", &id)?;
    let owner = berth_platform::listing::pat_owner(&state.db, id).await?;
    match owner {
        Some(o) if o == me.id || me.is_admin => {}
        Some(_) => return Err(ApiError::forbidden()),
        None => return Err(ApiError::not_found("Personal access token")),
    }
    revoke_personal_access_token(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The deploy token owner named by the route, after checking the caller may manage it.
async fn deploy_owner(state: &RestState, caller: &Caller, route: &MatchedPath, id: &str) -> ApiResult<DeployTokenOwner> {
    if route.as_str().starts_with("/api/v4/projects/") {
        let ctx = ProjectCtx::load(state, caller, id).await?;
        ctx.require(caller, Action::CreateDeployToken)?;
        Ok(DeployTokenOwner::Project(ctx.project.id))
    } else {
        let ctx = GroupCtx::load(state, caller, id).await?;
        ctx.require(caller, Action::CreateDeployToken)?;
        Ok(DeployTokenOwner::Group(ctx.group.id))
    }
}

#[utoipa::path(get, path = "/projects/{id}/deploy_tokens", tag = "tokens", description = "The same under `/groups/{id}/deploy_tokens`.",
    params(("id" = String, Path)), responses((status = 200, body = Vec<DeployTokenJson>), (status = 403), (status = 404)))]
pub async fn list_deploy(
    State(state): State<RestState>,
    caller: Caller,
    route: MatchedPath,
    Path(id): Path<String>,
    uri: Uri,
    params: Params,
) -> ApiResult<Response> {
    let owner = deploy_owner(&state, &caller, &route, &id).await?;
    let page = PageRequest::from_params(&params)?;
    let out: Vec<DeployTokenJson> = list_deploy_tokens(&state.db, owner).await?.iter().map(|t| deploy_json(t, None)).collect();
    Ok(paginated(&state, &uri, page, out))
}

#[utoipa::path(post, path = "/projects/{id}/deploy_tokens", tag = "tokens", description = "The same under `/groups/{id}/deploy_tokens`.",
    params(("id" = String, Path)),
    request_body(description = "name, scopes (read_registry, write_registry), username, expires_at", content = Object),
    responses((status = 201, body = DeployTokenJson), (status = 400), (status = 403), (status = 404)))]
pub async fn create_deploy(
    State(state): State<RestState>,
    caller: Caller,
    route: MatchedPath,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    let owner = deploy_owner(&state, &caller, &route, &id).await?;
    let name = params.required_str("name")?;
    let scopes = scopes_param(&params)?;
    let username = params.str("username")?.filter(|u| !u.is_empty());
    let expires_at = match params.str("expires_at")?.filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            chrono::DateTime::parse_from_rfc3339(&s)
                .map(|d| d.timestamp_millis())
                .ok()
                .or_else(|| parse_date(&s))
                .ok_or_else(|| ApiError::param("expires_at is invalid"))?,
        ),
    };
    let created = create_deploy_token(&state.db, owner, &name, username.as_deref(), scopes, expires_at).await?;
    Ok((StatusCode::CREATED, Json(deploy_json(&created.token, Some(created.secret)))).into_response())
}

#[utoipa::path(delete, path = "/projects/{id}/deploy_tokens/{token_id}", tag = "tokens", description = "The same under `/groups/{id}/deploy_tokens/{token_id}`.",
    params(("id" = String, Path), ("token_id" = i64, Path)), responses((status = 204), (status = 403), (status = 404)))]
pub async fn revoke_deploy(
    State(state): State<RestState>,
    caller: Caller,
    route: MatchedPath,
    Path((id, token_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let owner = deploy_owner(&state, &caller, &route, &id).await?;
    let token_id = numeric_id("Deploy token", &token_id)?;
    if !list_deploy_tokens(&state.db, owner).await?.iter().any(|t| t.id == token_id) {
        return Err(ApiError::not_found("Deploy token"));
    }
    revoke_deploy_token(&state.db, token_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

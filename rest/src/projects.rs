//! Projects and groups: list, get, create, and the project settings the registry cares about.

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use berth_platform::group_lifecycle::create_group_as;
use berth_platform::model::{RegistryAccessLevel, Visibility};
use berth_platform::namespaces::{ensure_personal_namespace, find_namespace, Namespace, NamespaceKind, NewGroup};
use berth_platform::permissions::{can, Action, Actor, ProjectAccess};
use berth_platform::project_lifecycle::{create_project_as, rename_project};
use berth_platform::projects::{project_access, set_project_visibility, set_registry_access_level, NewProject, Project};
use berth_platform::registry_auth::actor_for;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Caller, GroupCtx, ProjectCtx};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{paginated, PageRequest};
use crate::params::Params;
use crate::policy::{self, ExpirationPolicyJson};
use crate::time::rfc3339;
use crate::RestState;

#[derive(Debug, Serialize, ToSchema)]
pub struct NamespaceJson {
    pub id: i64,
    pub name: String,
    pub path: String,
    /// `group` or `user`.
    pub kind: String,
    pub full_path: String,
    pub parent_id: Option<i64>,
    pub web_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectJson {
    pub id: i64,
    pub name: String,
    pub path: String,
    pub path_with_namespace: String,
    pub name_with_namespace: String,
    pub description: Option<String>,
    pub default_branch: Option<String>,
    pub namespace: NamespaceJson,
    pub visibility: String,
    pub created_at: String,
    pub web_url: String,
    pub container_registry_enabled: bool,
    /// `enabled`, `private` or `disabled`.
    pub container_registry_access_level: String,
    pub container_registry_image_prefix: String,
    pub container_expiration_policy: ExpirationPolicyJson,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupJson {
    pub id: i64,
    pub name: String,
    pub path: String,
    pub full_path: String,
    pub full_name: String,
    pub description: String,
    pub visibility: String,
    pub parent_id: Option<i64>,
    pub web_url: String,
    pub created_at: String,
}

fn web(state: &RestState, path: &str) -> String {
    format!("{}/{path}", state.external_url.trim_end_matches('/'))
}

pub fn namespace_json(state: &RestState, ns: &Namespace) -> NamespaceJson {
    NamespaceJson {
        id: ns.id,
        name: ns.name.clone(),
        path: ns.path.clone(),
        kind: if ns.kind == NamespaceKind::Group { "group" } else { "user" }.into(),
        full_path: ns.full_path.clone(),
        parent_id: ns.parent_id,
        web_url: web(state, &ns.full_path),
    }
}

pub fn group_json(state: &RestState, g: &Namespace) -> GroupJson {
    GroupJson {
        id: g.id,
        name: g.name.clone(),
        path: g.path.clone(),
        full_path: g.full_path.clone(),
        full_name: g.full_path.replace('/', " / "),
        description: String::new(),
        visibility: g.visibility.as_str().into(),
        parent_id: g.parent_id,
        web_url: web(state, &format!("groups/{}", g.full_path)),
        created_at: rfc3339(g.created_at),
    }
}

pub async fn project_json(state: &RestState, p: &Project) -> ApiResult<ProjectJson> {
    let ns = find_namespace(&state.db, p.namespace_id).await?.ok_or_else(|| ApiError::internal("project without namespace"))?;
    Ok(ProjectJson {
        id: p.id,
        name: p.name.clone(),
        path: p.path.clone(),
        path_with_namespace: p.full_path.clone(),
        name_with_namespace: format!("{} / {}", ns.name, p.name),
        description: None,
        default_branch: None,
        namespace: namespace_json(state, &ns),
        visibility: p.visibility.as_str().into(),
        created_at: rfc3339(p.created_at),
        web_url: web(state, &p.full_path),
        container_registry_enabled: p.registry_access != RegistryAccessLevel::Disabled,
        container_registry_access_level: p.registry_access.as_str().into(),
        container_registry_image_prefix: format!("{}/{}", state.registry_host, p.full_path),
        container_expiration_policy: policy::load(&state.db, p.id).await?,
    })
}

pub(crate) fn visibility_param(params: &Params) -> ApiResult<Option<Visibility>> {
    match params.str("visibility")? {
        None => Ok(None),
        Some(v) => Visibility::parse(&v).map(Some).ok_or_else(|| ApiError::param("visibility does not have a valid value")),
    }
}

fn registry_access_param(params: &Params) -> ApiResult<Option<RegistryAccessLevel>> {
    if let Some(level) = params.str("container_registry_access_level")? {
        return RegistryAccessLevel::parse(&level)
            .map(Some)
            .ok_or_else(|| ApiError::param("container_registry_access_level does not have a valid value"));
    }
    Ok(params.bool("container_registry_enabled")?.map(|on| if on { RegistryAccessLevel::Enabled } else { RegistryAccessLevel::Disabled }))
}

/// A path from a display name, as GitLab derives it.
fn path_from_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[utoipa::path(get, path = "/projects", tag = "projects",
    params(("search" = Option<String>, Query), ("membership" = Option<bool>, Query), ("page" = Option<i64>, Query), ("per_page" = Option<i64>, Query)),
    responses((status = 200, body = Vec<ProjectJson>)))]
pub async fn list_projects(State(state): State<RestState>, caller: Caller, uri: Uri, params: Params) -> ApiResult<Response> {
    let page = PageRequest::from_params(&params)?;
    let search = params.str("search")?.map(|s| s.to_lowercase());
    let membership = params.bool("membership")?.unwrap_or(false) || params.bool("owned")?.unwrap_or(false);
    let mut out = Vec::new();
    for p in berth_platform::listing::all_projects(&state.db).await? {
        if search.as_ref().is_some_and(|s| !p.full_path.to_lowercase().contains(s) && !p.name.to_lowercase().contains(s)) {
            continue;
        }
        let actor = actor_for(&state.db, caller.credential.as_ref(), &p).await?;
        if !can(&actor, Action::ReadProject, &project_access(&p)) {
            continue;
        }
        if membership && !matches!(actor, Actor::User { role: Some(_), .. }) {
            continue;
        }
        out.push(project_json(&state, &p).await?);
    }
    Ok(paginated(&state, &uri, page, out))
}

#[utoipa::path(get, path = "/projects/{id}", tag = "projects", params(("id" = String, Path)),
    responses((status = 200, body = ProjectJson), (status = 404)))]
pub async fn get_project(State(state): State<RestState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<ProjectJson>> {
    let ctx = ProjectCtx::load(&state, &caller, &id).await?;
    Ok(Json(project_json(&state, &ctx.project).await?))
}

#[utoipa::path(post, path = "/projects", tag = "projects",
    request_body(description = "name, path, namespace_id, visibility, container_registry_access_level, container_registry_enabled, container_expiration_policy_attributes", content = Object),
    responses((status = 201, body = ProjectJson), (status = 400), (status = 401), (status = 403), (status = 409)))]
pub async fn create_project_handler(State(state): State<RestState>, caller: Caller, params: Params) -> ApiResult<Response> {
    let user = caller.require_user()?.clone();
    let name = params.str("name")?.filter(|s| !s.trim().is_empty());
    let path = match (params.str("path")?.filter(|s| !s.is_empty()), &name) {
        (Some(p), _) => p,
        (None, Some(n)) => path_from_name(n),
        (None, None) => return Err(ApiError::param("name is missing, path is missing, at least one parameter must be provided")),
    };
    let namespace = match params.str("namespace_id")?.or(params.str("namespace")?) {
        Some(id) => {
            let ns = match id.parse::<i64>() {
                Ok(n) => find_namespace(&state.db, n).await?,
                Err(_) => berth_platform::namespaces::find_namespace_by_path(&state.db, &id).await?,
            };
            ns.ok_or_else(|| ApiError::not_found("Namespace"))?
        }
        None => ensure_personal_namespace(&state.db, &user).await?,
    };
    let visibility = visibility_param(&params)?.unwrap_or(Visibility::Private);
    let registry_access = registry_access_param(&params)?.unwrap_or(RegistryAccessLevel::Enabled);
    let new = NewProject { namespace_id: namespace.id, path: &path, name: name.as_deref().unwrap_or(""), visibility, registry_access };
    let project = create_project_as(&state.db, &user, &new).await?;
    if let Some(attrs) = params.object("container_expiration_policy_attributes")? {
        policy::update(&state.db, project.id, &attrs).await?;
    }
    Ok((StatusCode::CREATED, Json(project_json(&state, &project).await?)).into_response())
}

#[utoipa::path(put, path = "/projects/{id}", tag = "projects", params(("id" = String, Path)),
    request_body(description = "name, path (rename; refused with 400 while the registry has tags), visibility, container_registry_access_level, container_registry_enabled, container_expiration_policy_attributes {enabled, cadence, keep_n, older_than, name_regex, name_regex_keep}", content = Object),
    responses((status = 200, body = ProjectJson), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn update_project(
    State(state): State<RestState>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<ProjectJson>> {
    let ctx = ProjectCtx::load(&state, &caller, &id).await?;
    let p = &ctx.project;
    // Check every permission and value before changing anything.
    let path = params.str("path")?.filter(|new| *new != p.path);
    let name = params.str("name")?.filter(|n| !n.trim().is_empty() && n.trim() != p.name);
    let visibility = visibility_param(&params)?.filter(|v| *v != p.visibility);
    let registry_access = registry_access_param(&params)?.filter(|a| *a != p.registry_access);
    let policy_attrs = params.object("container_expiration_policy_attributes")?;
    if name.is_some() || visibility.is_some() || path.is_some() {
        ctx.require(&caller, Action::ChangeProjectSettings)?;
    }
    if registry_access.is_some() {
        ctx.require(&caller, Action::ChangeRegistrySettings)?;
    }
    if policy_attrs.is_some() {
        ctx.require(&caller, Action::AdminCleanupPolicy)?;
    }
    // The rename first: it is the change most likely refused (tags in the registry).
    if let Some(new_path) = &path {
        rename_project(&state.db, p.id, new_path).await?;
    }
    if let Some(attrs) = &policy_attrs {
        policy::update(&state.db, p.id, attrs).await?;
    }
    if let Some(v) = visibility {
        set_project_visibility(&state.db, p.id, v).await?;
    }
    if let Some(level) = registry_access {
        set_registry_access_level(&state.db, p.id, level).await?;
    }
    if let Some(n) = name {
        berth_platform::projects::set_project_name(&state.db, p.id, n.trim()).await?;
    }
    let fresh = crate::resolve::project(&state, &p.id.to_string()).await?.ok_or_else(|| ApiError::not_found("Project"))?;
    Ok(Json(project_json(&state, &fresh).await?))
}

#[utoipa::path(get, path = "/groups", tag = "groups",
    params(("search" = Option<String>, Query), ("page" = Option<i64>, Query), ("per_page" = Option<i64>, Query)),
    responses((status = 200, body = Vec<GroupJson>)))]
pub async fn list_groups(State(state): State<RestState>, caller: Caller, uri: Uri, params: Params) -> ApiResult<Response> {
    let page = PageRequest::from_params(&params)?;
    let search = params.str("search")?.map(|s| s.to_lowercase());
    let mut out = Vec::new();
    for g in berth_platform::listing::all_groups(&state.db).await? {
        if search.as_ref().is_some_and(|s| !g.full_path.to_lowercase().contains(s) && !g.name.to_lowercase().contains(s)) {
            continue;
        }
        let actor = caller.group_actor(&state, &g).await?;
        let access = ProjectAccess { visibility: g.visibility, registry_access: RegistryAccessLevel::Enabled };
        if can(&actor, Action::ReadProject, &access) {
            out.push(group_json(&state, &g));
        }
    }
    Ok(paginated(&state, &uri, page, out))
}

#[utoipa::path(get, path = "/groups/{id}", tag = "groups", params(("id" = String, Path)),
    responses((status = 200, body = GroupJson), (status = 404)))]
pub async fn get_group(State(state): State<RestState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<GroupJson>> {
    let ctx = GroupCtx::load(&state, &caller, &id).await?;
    Ok(Json(group_json(&state, &ctx.group)))
}

#[utoipa::path(post, path = "/groups", tag = "groups",
    request_body(description = "name, path, parent_id, visibility", content = Object),
    responses((status = 201, body = GroupJson), (status = 400), (status = 401), (status = 403), (status = 409)))]
pub async fn create_group_handler(State(state): State<RestState>, caller: Caller, params: Params) -> ApiResult<Response> {
    let user = caller.require_user()?.clone();
    let name = params.required_str("name")?;
    let path = params.str("path")?.filter(|p| !p.is_empty()).unwrap_or_else(|| path_from_name(&name));
    let parent_id = params.int("parent_id")?;
    let visibility = visibility_param(&params)?.unwrap_or(Visibility::Private);
    let group = create_group_as(&state.db, &user, &NewGroup { parent_id, path: &path, name: &name, visibility }).await?;
    Ok((StatusCode::CREATED, Json(group_json(&state, &group))).into_response())
}

//! Who is calling: `PRIVATE-TOKEN`, `Authorization: Bearer` (personal access tokens; a
//! bearer job token works too), `JOB-TOKEN`, or the web session cookie (writes then need a
//! same-origin request: `platform::front_door::csrf`). The tokens are checked by the
//! platform (`registry_auth::{personal_access_token, job_token}`, the same checks as
//! `/jwt/auth`). Repeated bad tokens from one client address answer 429 for a while (the
//! login throttle shared with `/jwt/auth` and web sign-in); a valid token always works.
//! Personal access tokens need `read_api` or `api` for reads and `api` for writes; what the
//! caller may do to a project or group is then the permission function's decision
//! (`permissions::can`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use berth_platform::accounts::User;
use berth_platform::members::effective_group_role;
use berth_platform::model::{RegistryAccessLevel, Scope};
use berth_platform::namespaces::Namespace;
use berth_platform::permissions::{can, Action, Actor, ProjectAccess};
use berth_platform::projects::{project_access, Project};
use berth_platform::registry_auth::{actor_for, AuthError, Credential};
use berth_platform::sessions::session_user;

use crate::error::{ApiError, ApiResult};
use crate::RestState;

/// The authenticated caller (`credential: None` = anonymous).
#[derive(Debug, Clone)]
pub struct Caller {
    pub credential: Option<Credential>,
}

impl FromRequestParts<RestState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &RestState) -> Result<Self, Self::Rejection> {
        let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|s| !s.is_empty());
        let read = matches!(parts.method, Method::GET | Method::HEAD);
        let token = if let Some(secret) = header("private-token") {
            Some(TokenHeader::Personal(secret))
        } else if let Some(secret) = header("job-token") {
            Some(TokenHeader::Job(secret))
        } else if let Some(value) = header("authorization") {
            let secret = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).map(str::trim);
            Some(TokenHeader::Bearer(secret.unwrap_or("")))
        } else {
            None
        };
        let credential = match token {
            Some(token) => Some(throttled_token_check(state, client_ip(state, parts), token).await?),
            None => match session_cookie(&parts.headers) {
                Some(secret) => session(state, &secret, &parts.headers, read).await?,
                None => None,
            },
        };
        if let Some(Credential::PersonalAccessToken { token, .. }) = &credential {
            let ok = token.scopes.contains(Scope::Api) || (read && token.scopes.contains(Scope::ReadApi));
            if !ok {
                return Err(ApiError::insufficient_scope(if read { "api read_api" } else { "api" }));
            }
        }
        Ok(Caller { credential })
    }
}

/// Which header carried a token.
enum TokenHeader<'a> {
    Personal(&'a str),
    Job(&'a str),
    /// `Authorization: Bearer`: a personal access token or a job token.
    Bearer(&'a str),
}

/// The key of REST token checks in the shared login throttle: tokens carry no username, so
/// failures count per client address.
const THROTTLE_KEY: &str = "(REST API token)";

fn client_ip(state: &RestState, parts: &Parts) -> IpAddr {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    state.login_throttle.client_address(peer, parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()))
}

/// Checks a token. A valid token is always accepted: one misconfigured job behind the same
/// NAT or CI runner must not lock everyone else there out. A refused token counts as a
/// failure of its address, and once an address has failed too often lately its refused
/// tokens answer 429 with `Retry-After` (like `/jwt/auth`) instead of 401.
async fn throttled_token_check(state: &RestState, ip: IpAddr, token: TokenHeader<'_>) -> ApiResult<Credential> {
    let checked = match token {
        TokenHeader::Personal(secret) => personal_access_token(state, secret).await,
        TokenHeader::Job(secret) => job_token(state, secret).await,
        TokenHeader::Bearer("") => Err(ApiError::unauthorized()),
        TokenHeader::Bearer(secret) => match personal_access_token(state, secret).await {
            Ok(c) => Ok(c),
            Err(e) if e.status != StatusCode::UNAUTHORIZED => Err(e),
            Err(_) => job_token(state, secret).await,
        },
    };
    if checked.as_ref().is_err_and(|e| e.status == StatusCode::UNAUTHORIZED) {
        state.login_throttle.check(THROTTLE_KEY, ip).await.map_err(|t| ApiError::throttled(t.retry_after))?;
        state.login_throttle.record_failure(THROTTLE_KEY, ip).await;
    }
    checked
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    berth_platform::front_door::session_cookie::session_secret(headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()))
}

/// The signed-in user of a web session (`None` for an unknown or expired session: the
/// caller is anonymous, as GitLab treats a stale cookie). Writes must pass the CSRF check.
async fn session(state: &RestState, secret: &str, headers: &HeaderMap, read: bool) -> ApiResult<Option<Credential>> {
    let Some(user) = session_user(&state.db, secret).await? else { return Ok(None) };
    if !read {
        use berth_platform::front_door::csrf::{check_same_origin, OriginHeaders};
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let seen = OriginHeaders { sec_fetch_site: get("sec-fetch-site"), origin: get("origin"), host: get("host") };
        if let Err(refused) = check_same_origin(seen, &state.external_url) {
            tracing::warn!(%refused, "refused a cookie-authenticated REST write");
            return Err(ApiError::csrf());
        }
    }
    Ok(Some(Credential::Password { user }))
}

/// A token the platform's front door accepts; any refusal is 401 (which one is not told).
async fn personal_access_token(state: &RestState, secret: &str) -> ApiResult<Credential> {
    berth_platform::registry_auth::personal_access_token(&state.db, secret).await.map_err(refused_token)
}

async fn job_token(state: &RestState, secret: &str) -> ApiResult<Credential> {
    berth_platform::registry_auth::job_token(&state.db, secret).await.map_err(refused_token)
}

fn refused_token(e: AuthError) -> ApiError {
    match e {
        AuthError::Platform(e) => e.into(),
        _ => ApiError::unauthorized(),
    }
}

impl Caller {
    pub fn is_anonymous(&self) -> bool {
        self.credential.is_none()
    }

    /// The user acting through a personal access token (job tokens act on their project only).
    pub fn user(&self) -> Option<&User> {
        match &self.credential {
            Some(Credential::PersonalAccessToken { user, .. }) | Some(Credential::Password { user }) => Some(user),
            _ => None,
        }
    }

    /// A signed-in user, or 401 (anonymous) / 403 (a job token).
    pub fn require_user(&self) -> ApiResult<&User> {
        match (&self.credential, self.user()) {
            (None, _) => Err(ApiError::unauthorized()),
            (_, None) => Err(ApiError::forbidden()),
            (_, Some(u)) => Ok(u),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.user().is_some_and(|u| u.is_admin)
    }

    pub fn require_admin(&self) -> ApiResult<&User> {
        let user = self.require_user()?;
        if !user.is_admin {
            return Err(ApiError::forbidden());
        }
        Ok(user)
    }

    /// 401 for an anonymous caller, 403 otherwise: what a refused action answers once the
    /// object is visible.
    pub fn refused(&self) -> ApiError {
        if self.is_anonymous() {
            ApiError::unauthorized()
        } else {
            ApiError::forbidden()
        }
    }

    /// The permission function's view of this caller on a group: the group's visibility
    /// with the caller's (inherited) group role. Management actions then need the same roles
    /// as on a project.
    pub async fn group_actor(&self, state: &RestState, group: &Namespace) -> ApiResult<Actor> {
        Ok(match &self.credential {
            None => Actor::Anonymous,
            Some(Credential::PersonalAccessToken { user, token }) => Actor::User {
                admin: user.is_admin,
                role: effective_group_role(&state.db, group.id, user.id).await?,
                scopes: Some(token.scopes),
            },
            Some(Credential::Password { user }) => {
                Actor::User { admin: user.is_admin, role: effective_group_role(&state.db, group.id, user.id).await?, scopes: None }
            }
            Some(Credential::JobToken { .. }) => Actor::JobToken { role: None, bound_to_project: false },
            Some(Credential::DeployToken { token }) => Actor::DeployToken { scopes: token.scopes, covers_project: false },
        })
    }
}

/// A project the caller can see, with the caller's actor on it.
pub struct ProjectCtx {
    pub project: Project,
    pub actor: Actor,
    pub access: ProjectAccess,
}

impl ProjectCtx {
    pub async fn load(state: &RestState, caller: &Caller, id: &str) -> ApiResult<ProjectCtx> {
        let project = crate::resolve::project(state, id).await?.ok_or_else(|| ApiError::not_found("Project"))?;
        let actor = actor_for(&state.db, caller.credential.as_ref(), &project).await?;
        let access = project_access(&project);
        if !can(&actor, Action::ReadProject, &access) && !can(&actor, Action::ReadRegistry, &access) {
            return Err(ApiError::not_found("Project"));
        }
        Ok(ProjectCtx { project, actor, access })
    }

    pub fn can(&self, action: Action) -> bool {
        can(&self.actor, action, &self.access)
    }

    pub fn require(&self, caller: &Caller, action: Action) -> ApiResult<()> {
        if self.can(action) {
            Ok(())
        } else {
            Err(caller.refused())
        }
    }
}

/// A group the caller can see, with the caller's actor on it.
pub struct GroupCtx {
    pub group: Namespace,
    pub actor: Actor,
    pub access: ProjectAccess,
}

impl GroupCtx {
    pub async fn load(state: &RestState, caller: &Caller, id: &str) -> ApiResult<GroupCtx> {
        let group = crate::resolve::group(state, id).await?.ok_or_else(|| ApiError::not_found("Group"))?;
        let actor = caller.group_actor(state, &group).await?;
        let access = ProjectAccess { visibility: group.visibility, registry_access: RegistryAccessLevel::Enabled };
        if !can(&actor, Action::ReadProject, &access) {
            return Err(ApiError::not_found("Group"));
        }
        Ok(GroupCtx { group, actor, access })
    }

    pub fn require(&self, caller: &Caller, action: Action) -> ApiResult<()> {
        if can(&self.actor, action, &self.access) {
            Ok(())
        } else {
            Err(caller.refused())
        }
    }
}

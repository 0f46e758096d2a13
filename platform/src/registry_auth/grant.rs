//! Deciding which registry actions a credential gets for the scopes a client asked for.

use berth_db::Db;

use super::Credential;
use crate::error::PlatformError;
use crate::members::effective_project_role;
use crate::model::Scope;
use crate::paths::{candidate_project_paths, validate_repository_path};
use crate::permissions::{can, Action, Actor};
use crate::projects::{project_access, Project};
use crate::repo;
use crate::tokens::deploy_token_covers;

/// One `scope` parameter: `repository:group/project/image:pull,push`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeRequest {
    /// `repository` or `registry`.
    pub kind: String,
    pub name: String,
    pub actions: Vec<String>,
}

impl ScopeRequest {
    /// Parses `type:name:actions`; `None` when malformed.
    pub fn parse(scope: &str) -> Option<ScopeRequest> {
        let (kind, rest) = scope.split_once(':')?;
        let (name, actions) = rest.rsplit_once(':')?;
        if kind.is_empty() || name.is_empty() {
            return None;
        }
        Some(ScopeRequest {
            kind: kind.to_string(),
            name: name.to_string(),
            actions: actions.split(',').filter(|a| !a.is_empty()).map(str::to_string).collect(),
        })
    }
}

/// What was granted for one request: the token's `access` entry (empty `actions` = nothing;
/// leave such entries out of the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantedScope {
    pub kind: String,
    pub name: String,
    pub actions: Vec<String>,
}

/// The registry actions `credential` (`None` = anonymous) gets for each request, in order.
/// A repository path must begin with an existing project (its full path, then at most two
/// more segments); a project the credential cannot see gets exactly the answer of a project
/// that does not exist: nothing.
pub async fn grant(db: &Db, credential: Option<&Credential>, requests: &[ScopeRequest]) -> Result<Vec<GrantedScope>, PlatformError> {
    let mut out = Vec::with_capacity(requests.len());
    for request in requests {
        let actions = match request.kind.as_str() {
            "repository" => repository_actions(db, credential, &request.name, &request.actions).await?,
            "registry" if request.name == "catalog" && request.actions.iter().any(|a| a == "*") => {
                if may_list_catalog(credential) {
                    vec!["*".to_string()]
                } else {
                    vec![]
                }
            }
            _ => vec![],
        };
        out.push(GrantedScope { kind: request.kind.clone(), name: request.name.clone(), actions });
    }
    Ok(out)
}

async fn repository_actions(
    db: &Db,
    credential: Option<&Credential>,
    path: &str,
    requested: &[String],
) -> Result<Vec<String>, PlatformError> {
    if validate_repository_path(path).is_err() {
        return Ok(vec![]);
    }
    let Some(project) = repo::projects::longest_of(db, &candidate_project_paths(path)).await? else {
        return Ok(vec![]);
    };
    let actor = actor_for(db, credential, &project).await?;
    let access = project_access(&project);
    let wants = |name: &str| requested.iter().any(|a| a == name || a == "*");
    let mut granted = vec![];
    for (name, action) in [("pull", Action::ReadRegistry), ("push", Action::PushImage), ("delete", Action::DeleteTag)] {
        if wants(name) && can(&actor, action, &access) {
            granted.push(name.to_string());
        }
    }
    Ok(granted)
}

/// The permission function's view of a credential on one project.
pub async fn actor_for(db: &Db, credential: Option<&Credential>, project: &Project) -> Result<Actor, PlatformError> {
    Ok(match credential {
        None => Actor::Anonymous,
        Some(Credential::Password { user }) => {
            Actor::User { admin: user.is_admin, role: effective_project_role(db, project.id, user.id).await?, scopes: None }
        }
        Some(Credential::PersonalAccessToken { user, token }) => {
            Actor::User { admin: user.is_admin, role: effective_project_role(db, project.id, user.id).await?, scopes: Some(token.scopes) }
        }
        Some(Credential::DeployToken { token }) => {
            Actor::DeployToken { scopes: token.scopes, covers_project: deploy_token_covers(db, token, project).await? }
        }
        Some(Credential::JobToken { user, token }) => Actor::JobToken {
            role: effective_project_role(db, project.id, user.id).await?,
            bound_to_project: token.project_id == project.id,
        },
    })
}

/// `registry:catalog:*`: administrators only, by password or a token that may read.
fn may_list_catalog(credential: Option<&Credential>) -> bool {
    match credential {
        Some(Credential::Password { user }) => user.is_admin,
        Some(Credential::PersonalAccessToken { user, token }) => {
            user.is_admin && [Scope::Api, Scope::ReadApi, Scope::ReadRegistry].iter().any(|s| token.scopes.contains(*s))
        }
        _ => false,
    }
}

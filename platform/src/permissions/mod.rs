//! The permission function: one pure decision for every case of spec/permissions.md.
//! Callers gather the facts (who, which role along the group path, which project settings)
//! and ask [`can`]; nothing here touches the database.

use crate::model::{RegistryAccessLevel, Role, Scope, Scopes, Visibility};

/// Who is asking, with the facts about them that matter for one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// No credentials.
    Anonymous,
    /// A signed-in user (web session or password login: `scopes: None`, full rights of the
    /// role) or a personal access token (`scopes: Some(..)`, which can only narrow).
    User {
        admin: bool,
        /// The highest role along the project's namespace path (or in the project), if any.
        role: Option<Role>,
        scopes: Option<Scopes>,
    },
    /// A deploy token: no role, its scopes alone decide, on the projects it covers.
    DeployToken { scopes: Scopes, covers_project: bool },
    /// A CI job token: the requesting user's role capped at Developer, on its own project only.
    JobToken { role: Option<Role>, bound_to_project: bool },
}

/// What the actor wants to do to one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See that the project exists (project visibility).
    ReadProject,
    /// View the registry and pull images.
    ReadRegistry,
    /// Push an image (create repositories and tags).
    PushImage,
    /// Delete a tag or several selected tags (also the registry's `delete` action).
    DeleteTag,
    /// Delete a whole repository, or bulk delete tags by regex (REST).
    DeleteRepository,
    /// View and edit the cleanup policy.
    AdminCleanupPolicy,
    /// Change the registry's access level, including disabling and re-enabling it.
    ChangeRegistrySettings,
    /// Change the project's visibility or rename it.
    ChangeProjectSettings,
    /// Transfer the project to another namespace.
    TransferProject,
    /// Delete the whole project, images included (GitLab: Owner).
    DeleteProject,
    /// On a group: change its name, path, visibility or parent, or delete it (GitLab: Owner).
    AdminGroup,
    /// Add, change or remove members (below Owner).
    ManageMembers,
    /// Grant (or change, or remove) the Owner role.
    GrantOwner,
    CreateDeployToken,
}

impl Action {
    pub const ALL: [Action; 14] = [
        Action::ReadProject,
        Action::ReadRegistry,
        Action::PushImage,
        Action::DeleteTag,
        Action::DeleteRepository,
        Action::AdminCleanupPolicy,
        Action::ChangeRegistrySettings,
        Action::ChangeProjectSettings,
        Action::TransferProject,
        Action::DeleteProject,
        Action::AdminGroup,
        Action::ManageMembers,
        Action::GrantOwner,
        Action::CreateDeployToken,
    ];

    /// Registry operations: refused for everyone when the registry is disabled. Changing the
    /// registry settings is not one of them, or a disabled registry could never come back.
    pub fn is_registry_operation(self) -> bool {
        matches!(self, Action::ReadRegistry | Action::PushImage | Action::DeleteTag | Action::DeleteRepository | Action::AdminCleanupPolicy)
    }

    /// The lowest role that may do this, for actions decided by role alone
    /// (`ReadProject` and `ReadRegistry` depend on visibility instead).
    fn minimum_role(self) -> Option<Role> {
        match self {
            Action::ReadProject | Action::ReadRegistry => None,
            Action::PushImage | Action::DeleteTag => Some(Role::Developer),
            Action::DeleteRepository
            | Action::AdminCleanupPolicy
            | Action::ChangeRegistrySettings
            | Action::ChangeProjectSettings
            | Action::ManageMembers
            | Action::CreateDeployToken => Some(Role::Maintainer),
            Action::TransferProject | Action::DeleteProject | Action::AdminGroup | Action::GrantOwner => Some(Role::Owner),
        }
    }

    /// Whether a personal access token with these scopes may do this (before the role check).
    fn allowed_by_pat_scopes(self, scopes: Scopes) -> bool {
        let any = |list: &[Scope]| list.iter().any(|s| scopes.contains(*s));
        match self {
            Action::ReadProject => any(&[Scope::Api, Scope::ReadApi]),
            Action::ReadRegistry => any(&[Scope::Api, Scope::ReadApi, Scope::ReadRegistry]),
            Action::PushImage => any(&[Scope::Api, Scope::WriteRegistry]),
            // Deleting and every management action go through the API as the user.
            _ => any(&[Scope::Api]),
        }
    }
}

/// The project's settings that decide access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectAccess {
    pub visibility: Visibility,
    pub registry_access: RegistryAccessLevel,
}

/// Whether `actor` may do `action` on a project with these settings.
pub fn can(actor: &Actor, action: Action, project: &ProjectAccess) -> bool {
    if action.is_registry_operation() && project.registry_access == RegistryAccessLevel::Disabled {
        return false;
    }
    match *actor {
        Actor::Anonymous => role_allows(false, false, None, action, project),
        Actor::User { admin, role, scopes } => {
            scopes.is_none_or(|s| action.allowed_by_pat_scopes(s)) && role_allows(true, admin, role, action, project)
        }
        Actor::DeployToken { scopes, covers_project } => {
            covers_project
                && match action {
                    Action::ReadRegistry => scopes.contains(Scope::ReadRegistry) || scopes.contains(Scope::WriteRegistry),
                    Action::PushImage => scopes.contains(Scope::WriteRegistry),
                    _ => false,
                }
        }
        Actor::JobToken { role, bound_to_project } => {
            bound_to_project && role_allows(true, false, role.map(|r| r.min(Role::Developer)), action, project)
        }
    }
}

/// What a (possibly signed-in, possibly admin) person with `role` may do, ignoring credentials.
fn role_allows(signed_in: bool, admin: bool, role: Option<Role>, action: Action, project: &ProjectAccess) -> bool {
    match action {
        Action::ReadProject => admin || sees_by_visibility(signed_in, role, project.visibility),
        Action::ReadRegistry => {
            // Disabled was refused above. Guests of a private project see it, not its images.
            admin
                || role >= Some(Role::Reporter)
                || (project.registry_access == RegistryAccessLevel::Enabled
                    && project.visibility != Visibility::Private
                    && sees_by_visibility(signed_in, role, project.visibility))
        }
        // Administrators act with Owner rights everywhere, as in GitLab (the registry being
        // disabled still refuses registry operations, checked above).
        other => admin || role >= other.minimum_role(),
    }
}

fn sees_by_visibility(signed_in: bool, role: Option<Role>, visibility: Visibility) -> bool {
    match visibility {
        Visibility::Public => true,
        Visibility::Internal => signed_in,
        Visibility::Private => role.is_some(),
    }
}

#[cfg(test)]
mod tests;

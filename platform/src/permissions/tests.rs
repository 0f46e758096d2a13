//! Exhaustive check of `can` against a literal transcription of spec/permissions.md.
//! Expectations come only from the tables below, never from the function under test.

use super::*;
use crate::model::{RegistryAccessLevel as L, Role, Scope, Scopes, Visibility as V};

/// "View the registry and pull images":
/// (visibility, access level, [Anonymous, signed-in non-member, Guest, Reporter and above]).
const VIEW_TABLE: [(&str, &str, [bool; 4]); 9] = [
    ("public", "enabled", [true, true, true, true]),
    ("public", "private", [false, false, false, true]),
    ("internal", "enabled", [false, true, true, true]),
    ("internal", "private", [false, false, false, true]),
    ("private", "enabled", [false, false, false, true]),
    ("private", "private", [false, false, false, true]),
    // "any | disabled | no | no | no | no"
    ("public", "disabled", [false, false, false, false]),
    ("internal", "disabled", [false, false, false, false]),
    ("private", "disabled", [false, false, false, false]),
];

/// Project visibility: (visibility, [Anonymous, signed-in non-member, member of any role]).
const PROJECT_VISIBILITY_TABLE: [(&str, [bool; 3]); 3] =
    [("public", [true, true, true]), ("internal", [false, true, true]), ("private", [false, false, true])];

/// "Other actions (registry not disabled)": (action, minimum role).
const OTHER_ACTIONS_TABLE: [(Action, Role); 10] = [
    (Action::PushImage, Role::Developer),
    (Action::DeleteTag, Role::Developer),
    (Action::DeleteRepository, Role::Maintainer),
    (Action::AdminCleanupPolicy, Role::Maintainer),
    (Action::ChangeRegistrySettings, Role::Maintainer),
    (Action::ChangeProjectSettings, Role::Maintainer),
    (Action::TransferProject, Role::Owner),
    (Action::ManageMembers, Role::Maintainer),
    (Action::GrantOwner, Role::Owner),
    (Action::CreateDeployToken, Role::Maintainer),
];

/// Actions permissions.md does not list, following GitLab's defaults: deleting a project,
/// and changing a group's name, path, visibility or parent, or deleting it, need Owner.
const GITLAB_OWNER_ACTIONS: [Action; 2] = [Action::DeleteProject, Action::AdminGroup];

/// Operations on the registry itself: "When the registry is disabled, every registry
/// operation is refused for everyone". (Changing the registry setting stays possible, or a
/// disabled registry could never be enabled again.)
const REGISTRY_OPERATIONS: [Action; 5] =
    [Action::ReadRegistry, Action::PushImage, Action::DeleteTag, Action::DeleteRepository, Action::AdminCleanupPolicy];

/// Personal access token scopes: (scope, [read project, pull, push, delete tag/repository,
/// every other (REST write) action]).
const PAT_SCOPE_TABLE: [(Scope, [bool; 5]); 4] = [
    (Scope::Api, [true, true, true, true, true]),
    (Scope::ReadApi, [true, true, false, false, false]),
    (Scope::ReadRegistry, [false, true, false, false, false]),
    (Scope::WriteRegistry, [false, false, true, false, false]),
];

/// Deploy token scopes: (scope, [pull, push]); nothing else, ever.
const DEPLOY_SCOPE_TABLE: [(Scope, [bool; 2]); 2] = [(Scope::ReadRegistry, [true, false]), (Scope::WriteRegistry, [true, true])];

fn vis(s: &str) -> V {
    V::parse(s).unwrap()
}
fn level(s: &str) -> L {
    L::parse(s).unwrap()
}

fn roles() -> [Option<Role>; 6] {
    [None, Some(Role::Guest), Some(Role::Reporter), Some(Role::Developer), Some(Role::Maintainer), Some(Role::Owner)]
}

/// What a person may do by role alone (web session), from the tables.
fn expected_person(signed_in: bool, admin: bool, role: Option<Role>, action: Action, p: &ProjectAccess) -> bool {
    let disabled = p.registry_access == L::Disabled;
    match action {
        Action::ReadRegistry => {
            if admin {
                return !disabled; // "Administrators can view and pull wherever the registry is not disabled."
            }
            let column = match (signed_in, role) {
                (false, _) => 0,
                (true, None) => 1,
                (true, Some(Role::Guest)) => 2,
                (true, Some(_)) => 3,
            };
            let row = VIEW_TABLE.iter().find(|(v, l, _)| vis(v) == p.visibility && level(l) == p.registry_access).unwrap();
            row.2[column]
        }
        Action::ReadProject => {
            if admin {
                return true;
            }
            let column = match (signed_in, role) {
                (false, _) => 0,
                (true, None) => 1,
                (true, Some(_)) => 2,
            };
            PROJECT_VISIBILITY_TABLE.iter().find(|(v, _)| vis(v) == p.visibility).unwrap().1[column]
        }
        other => {
            if disabled && REGISTRY_OPERATIONS.contains(&other) {
                return false;
            }
            if admin {
                return true; // administrators act as Owner everywhere (GitLab's rule)
            }
            let minimum = match OTHER_ACTIONS_TABLE.iter().find(|(a, _)| *a == other) {
                Some((_, role)) => *role,
                None if GITLAB_OWNER_ACTIONS.contains(&other) => Role::Owner,
                None => panic!("{other:?} is in no table"),
            };
            signed_in && role.is_some_and(|r| r >= minimum)
        }
    }
}

fn pat_column(action: Action) -> usize {
    match action {
        Action::ReadProject => 0,
        Action::ReadRegistry => 1,
        Action::PushImage => 2,
        Action::DeleteTag | Action::DeleteRepository => 3,
        _ => 4,
    }
}

fn expected(actor: &Actor, action: Action, p: &ProjectAccess) -> bool {
    match *actor {
        Actor::Anonymous => expected_person(false, false, None, action, p),
        Actor::User { admin, role, scopes } => {
            let by_scope = match scopes {
                None => true,
                Some(s) => PAT_SCOPE_TABLE.iter().any(|(scope, cols)| s.contains(*scope) && cols[pat_column(action)]),
            };
            // "the effective right is the minimum of what the role allows and what the scopes allow"
            by_scope && expected_person(true, admin, role, action, p)
        }
        Actor::DeployToken { scopes, covers_project } => {
            let column = match action {
                Action::ReadRegistry => 0,
                Action::PushImage => 1,
                _ => return false, // no role; never deletes, never manages
            };
            covers_project
                && p.registry_access != L::Disabled
                && DEPLOY_SCOPE_TABLE.iter().any(|(scope, cols)| scopes.contains(*scope) && cols[column])
        }
        Actor::JobToken { role, bound_to_project } => {
            // "acting with the rights of the user who requested it, never more than Developer,
            // only on that project"
            let capped = role.map(|r| if r > Role::Developer { Role::Developer } else { r });
            bound_to_project && expected_person(true, false, capped, action, p)
        }
    }
}

fn all_actors() -> Vec<Actor> {
    let mut actors = vec![Actor::Anonymous];
    let pat_scope_sets: Vec<Option<Scopes>> = std::iter::once(None).chain(Scopes::subsets_of(&Scope::ALL).into_iter().map(Some)).collect();
    for admin in [false, true] {
        for role in roles() {
            for scopes in &pat_scope_sets {
                actors.push(Actor::User { admin, role, scopes: *scopes });
            }
        }
    }
    for covers_project in [false, true] {
        for scopes in Scopes::subsets_of(&[Scope::ReadRegistry, Scope::WriteRegistry]) {
            actors.push(Actor::DeployToken { scopes, covers_project });
        }
    }
    for bound_to_project in [false, true] {
        for role in roles() {
            actors.push(Actor::JobToken { role, bound_to_project });
        }
    }
    actors
}

#[test]
fn every_combination_matches_the_spec_tables() {
    let mut cells = 0;
    let mut failures = vec![];
    for actor in all_actors() {
        for visibility in V::ALL {
            for registry_access in L::ALL {
                let project = ProjectAccess { visibility, registry_access };
                for action in Action::ALL {
                    cells += 1;
                    let want = expected(&actor, action, &project);
                    if can(&actor, action, &project) != want {
                        failures.push(format!("{actor:?} {action:?} {project:?}: expected {want}"));
                    }
                }
            }
        }
    }
    // 1 anonymous + 2×6×17 users + 2×4 deploy tokens + 2×6 job tokens = 225 actors;
    // × 3 visibilities × 3 access levels × 14 actions.
    assert_eq!(cells, 225 * 3 * 3 * 14);
    assert!(failures.is_empty(), "{} cells differ from the spec:\n{}", failures.len(), failures.join("\n"));
}

/// A few cells spelled out, as a reader of the spec would check them.
#[test]
fn spot_checks() {
    let p = |v, l| ProjectAccess { visibility: v, registry_access: l };
    let session = |role| Actor::User { admin: false, role, scopes: None };
    let admin = Actor::User { admin: true, role: None, scopes: None };

    assert!(can(&Actor::Anonymous, Action::ReadRegistry, &p(V::Public, L::Enabled)));
    assert!(!can(&Actor::Anonymous, Action::ReadRegistry, &p(V::Internal, L::Enabled)));
    assert!(!can(&session(Some(Role::Guest)), Action::ReadRegistry, &p(V::Private, L::Enabled)));
    assert!(can(&session(Some(Role::Guest)), Action::ReadProject, &p(V::Private, L::Enabled)));
    assert!(can(&session(Some(Role::Reporter)), Action::ReadRegistry, &p(V::Public, L::Private)));
    assert!(!can(&session(Some(Role::Owner)), Action::PushImage, &p(V::Public, L::Disabled)));
    assert!(can(&session(Some(Role::Maintainer)), Action::ChangeRegistrySettings, &p(V::Public, L::Disabled)));
    assert!(!can(&session(Some(Role::Maintainer)), Action::GrantOwner, &p(V::Public, L::Enabled)));
    assert!(can(&session(Some(Role::Owner)), Action::TransferProject, &p(V::Private, L::Enabled)));
    assert!(!can(&session(Some(Role::Maintainer)), Action::DeleteProject, &p(V::Private, L::Enabled)));
    assert!(can(&session(Some(Role::Owner)), Action::DeleteProject, &p(V::Private, L::Disabled)), "not a registry operation");
    assert!(!can(&session(Some(Role::Maintainer)), Action::AdminGroup, &p(V::Public, L::Enabled)));

    assert!(can(&admin, Action::ReadRegistry, &p(V::Private, L::Private)));
    assert!(!can(&admin, Action::ReadRegistry, &p(V::Private, L::Disabled)));
    assert!(can(&admin, Action::PushImage, &p(V::Private, L::Private)), "admins act as Owner everywhere");
    assert!(can(&admin, Action::TransferProject, &p(V::Private, L::Enabled)));
    assert!(!can(&admin, Action::PushImage, &p(V::Public, L::Disabled)), "a disabled registry refuses admins too");

    let read_registry_pat = Actor::User { admin: false, role: Some(Role::Owner), scopes: Some(Scopes::of(&[Scope::ReadRegistry])) };
    assert!(can(&read_registry_pat, Action::ReadRegistry, &p(V::Private, L::Enabled)));
    assert!(!can(&read_registry_pat, Action::PushImage, &p(V::Private, L::Enabled)));
    let write_only_pat = Actor::User { admin: false, role: Some(Role::Developer), scopes: Some(Scopes::of(&[Scope::WriteRegistry])) };
    assert!(can(&write_only_pat, Action::PushImage, &p(V::Private, L::Enabled)));
    assert!(!can(&write_only_pat, Action::ReadRegistry, &p(V::Private, L::Enabled)), "write_registry alone does not pull");
    let api_guest = Actor::User { admin: false, role: Some(Role::Guest), scopes: Some(Scopes::all()) };
    assert!(!can(&api_guest, Action::PushImage, &p(V::Public, L::Enabled)), "a token never exceeds its owner's role");

    let deploy = Actor::DeployToken { scopes: Scopes::of(&[Scope::WriteRegistry]), covers_project: true };
    assert!(can(&deploy, Action::ReadRegistry, &p(V::Private, L::Private)));
    assert!(can(&deploy, Action::PushImage, &p(V::Private, L::Private)));
    assert!(!can(&deploy, Action::DeleteTag, &p(V::Private, L::Private)));
    assert!(!can(&deploy, Action::ReadRegistry, &p(V::Public, L::Disabled)));
    let other_deploy = Actor::DeployToken { scopes: Scopes::all(), covers_project: false };
    assert!(!can(&other_deploy, Action::ReadRegistry, &p(V::Public, L::Enabled)));

    let job = Actor::JobToken { role: Some(Role::Owner), bound_to_project: true };
    assert!(can(&job, Action::PushImage, &p(V::Private, L::Enabled)));
    assert!(can(&job, Action::DeleteTag, &p(V::Private, L::Enabled)));
    assert!(!can(&job, Action::DeleteRepository, &p(V::Private, L::Enabled)), "capped at Developer");
    let foreign_job = Actor::JobToken { role: Some(Role::Owner), bound_to_project: false };
    assert!(!can(&foreign_job, Action::ReadRegistry, &p(V::Public, L::Enabled)));
}

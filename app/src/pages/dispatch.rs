//! Pages whose URL is a full path of any depth (`/<group>/<subgroup>/<project>/-/...`):
//! the path is split here and handed to the page it names.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::pages::groups::members::MembersPage;
use crate::pages::groups::show::GroupPage;
use crate::pages::not_found::NotFound;
use crate::pages::projects::deploy_tokens::DeployTokensPage;
use crate::pages::projects::settings_cleanup::CleanupSettingsPage;
use crate::pages::projects::settings_general::GeneralSettingsPage;
use crate::pages::projects::show::ProjectPage;
use crate::pages::registry::group::GroupRegistryPage;
use crate::pages::registry::project::ProjectRegistryPage;
use crate::pages::registry::tags::TagDetailsPage;

fn wildcard() -> impl Fn() -> String + Copy {
    let params = use_params_map();
    move || params.read().get("path").unwrap_or_default().trim_matches('/').to_string()
}

/// `/groups/<path>` and `/groups/<path>/-/group_members`.
#[component]
pub fn GroupRoutes() -> impl IntoView {
    let path = wildcard();
    move || {
        let path = path();
        match path.split_once("/-/") {
            None if !path.is_empty() => view! { <GroupPage path/> }.into_any(),
            Some((group, "group_members")) => view! { <MembersPage kind="group" path=group.to_string()/> }.into_any(),
            Some((group, "container_registries")) => view! { <GroupRegistryPage path=group.to_string()/> }.into_any(),
            _ => view! { <NotFound/> }.into_any(),
        }
    }
}

/// `/<project>/container_registry` and `/<project>/container_registry/<repository id>`
/// (GitLab's URLs: no `/-/`).
fn registry_route(path: &str) -> Option<AnyView> {
    if let Some(project) = path.strip_suffix("/container_registry").filter(|p| p.contains('/')) {
        return Some(view! { <ProjectRegistryPage path=project.to_string()/> }.into_any());
    }
    let (rest, id) = path.rsplit_once('/')?;
    let project = rest.strip_suffix("/container_registry").filter(|p| p.contains('/'))?;
    let id: i64 = id.parse().ok()?;
    Some(view! { <TagDetailsPage path=project.to_string() repository_id=id/> }.into_any())
}

/// `/<project path>`, `/<project path>/-/project_members`, `/<project path>/-/settings/repository`.
#[component]
pub fn ProjectRoutes() -> impl IntoView {
    let path = wildcard();
    move || {
        let path = path();
        if let Some(view) = registry_route(&path) {
            return view;
        }
        match path.split_once("/-/") {
            None if path.contains('/') => view! { <ProjectPage path/> }.into_any(),
            Some((project, "project_members")) => view! { <MembersPage kind="project" path=project.to_string()/> }.into_any(),
            Some((project, "settings/general")) => view! { <GeneralSettingsPage path=project.to_string()/> }.into_any(),
            Some((project, "settings/packages_and_registries")) => view! { <CleanupSettingsPage path=project.to_string()/> }.into_any(),
            Some((project, "settings/repository")) => view! { <DeployTokensPage path=project.to_string()/> }.into_any(),
            _ => view! { <NotFound/> }.into_any(),
        }
    }
}

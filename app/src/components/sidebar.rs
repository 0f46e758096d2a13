//! Left sidebars: the general one, a project's and a group's.

use leptos::prelude::*;

use crate::server_fns::projects::ProjectNav;

#[component]
pub fn MainSidebar() -> impl IntoView {
    view! {
        <nav class="sidebar" aria-label="Main">
            <ul>
                <li><a href="/">"Home"</a></li>
                <li><a href="/dashboard">"Your work"</a></li>
                <li><a href="/groups/new">"New group"</a></li>
                <li><a href="/projects/new">"New project"</a></li>
            </ul>
        </nav>
    }
}

#[component]
pub fn ProjectSidebar(nav: ProjectNav) -> impl IntoView {
    let base = format!("/{}", nav.full_path);
    view! {
        <nav class="sidebar" aria-label="Project">
            <p class="sidebar-title"><a href=base.clone()>{nav.name.clone()}</a></p>
            <ul>
                <li><a href=base.clone()>"Project overview"</a></li>
                <li><a href=format!("{base}/-/project_members")>"Members"</a></li>
                {nav.registry_enabled.then(|| view! {
                    <li class="sidebar-section">"Deploy"
                        <ul><li><a href=format!("{base}/container_registry")>"Container Registry"</a></li></ul>
                    </li>
                })}
                {nav.can_settings.then(|| view! {
                    <li class="sidebar-section">"Settings"
                        <ul>
                            <li><a href=format!("{base}/-/settings/general")>"General"</a></li>
                            <li><a href=format!("{base}/-/settings/repository")>"Repository"</a></li>
                            <li><a href=format!("{base}/-/settings/packages_and_registries")>"Packages and registries"</a></li>
                        </ul>
                    </li>
                })}
            </ul>
        </nav>
    }
}

#[component]
pub fn GroupSidebar(full_path: String, name: String) -> impl IntoView {
    let base = format!("/groups/{full_path}");
    view! {
        <nav class="sidebar" aria-label="Group">
            <p class="sidebar-title"><a href=base.clone()>{name}</a></p>
            <ul>
                <li><a href=base.clone()>"Group overview"</a></li>
                <li><a href=format!("{base}/-/group_members")>"Members"</a></li>
                <li class="sidebar-section">"Operate"
                    <ul><li><a href=format!("{base}/-/container_registries")>"Container Registry"</a></li></ul>
                </li>
            </ul>
        </nav>
    }
}

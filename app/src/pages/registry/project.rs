//! `/<project>/container_registry`: the project's image repositories.

use crate::components::page_title::PageTitle;
use leptos::prelude::*;

use super::repository_rows::RepositoryTable;
use crate::components::feedback::page_error;
use crate::components::registry::charts::BiggestRepositories;
use crate::components::registry::cli::{CliCommands, EmptyRegistry};
use crate::components::registry::list_url::{use_list_params, ListControls, Pager};
use crate::components::sidebar::{MainSidebar, ProjectSidebar};
use crate::dates::format_bytes;
use crate::server_fns::registry::{project_registry, DeleteRepository};

pub const REPOSITORY_ORDERS: &[(&str, &str)] = &[("UPDATED", "Updated"), ("CREATED", "Created"), ("NAME", "Name")];

#[component]
pub fn ProjectRegistryPage(path: String) -> impl IntoView {
    let params = use_list_params();
    let delete = ServerAction::<DeleteRepository>::new();
    let data =
        Resource::new(move || (path.clone(), params.get(), delete.version().get()), |(path, params, _)| project_registry(path, params));
    view! {
        <Transition fallback=|| view! { <MainSidebar/><main class="content">"Loading…"</main> }>
            {move || Suspend::new(async move {
                let d = match data.await {
                    Ok(d) => d,
                    Err(e) => return page_error(e),
                };
                let base = format!("/{}/container_registry", d.nav.full_path);
                let params = params.get_untracked();
                let searching = params.search.is_some();
                let body = if d.image_count == 0 {
                    view! { <EmptyRegistry host=d.host.clone() project_path=d.nav.full_path.clone()/> }.into_any()
                } else {
                    view! {
                        <ListControls base=base.clone() params=params.clone() orders=REPOSITORY_ORDERS
                            order_by=d.page.order_by.clone() sort=d.page.sort.clone() search_label="Filter by name"/>
                        {(d.page.items.is_empty() && searching).then(|| view! { <p class="muted" data-testid="no-results">{format!("No results for \u{201c}{}\u{201d}", params.search.clone().unwrap_or_default())}</p> })}
                        <RepositoryTable items=d.page.items.clone() host=d.host.clone() now=d.now show_project=false delete/>
                        <Pager base=base.clone() params=params.clone() previous=d.page.previous.clone() next=d.page.next.clone()/>
                        {(!d.biggest.is_empty()).then(|| view! {
                            <section class="card">
                                <h2>"Storage"</h2>
                                <p>"Total: " <strong data-testid="storage-total">{format_bytes(d.storage_total)}</strong>
                                   <span class="muted">" (layers shared between repositories counted once)"</span></p>
                                <BiggestRepositories rows=d.biggest.clone()/>
                            </section>
                        })}
                    }.into_any()
                };
                view! {
                    <PageTitle text=format!("Container Registry · {} · Berth", d.nav.name)/>
                    <ProjectSidebar nav=d.nav.clone()/>
                    <main class="content" id="content">
                        <div class="page-header">
                            <div>
                                <h1>"Container Registry"</h1>
                                <p class="muted" data-testid="image-count">
                                    {format!("{} image {}", d.image_count, if d.image_count == 1 { "repository" } else { "repositories" })}
                                </p>
                                <p class="muted" data-testid="cleanup-state">{d.cleanup.clone()}
                                    {d.nav.can_settings.then(|| view! { " · " <a href=format!("/{}/-/settings/packages_and_registries", d.nav.full_path)>"Cleanup policy"</a> })}
                                </p>
                            </div>
                            <div class="actions"><CliCommands host=d.host.clone() project_path=d.nav.full_path.clone()/></div>
                        </div>
                        {body}
                    </main>
                }.into_any()
            })}
        </Transition>
    }
}

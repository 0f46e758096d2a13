//! `/groups/<group>/-/container_registries`: repositories of every project of the group and
//! its subgroups whose registry the viewer may see.

use crate::components::page_title::PageTitle;
use leptos::prelude::*;

use super::project::REPOSITORY_ORDERS;
use super::repository_rows::RepositoryTable;
use crate::components::feedback::page_error;
use crate::components::registry::list_url::{use_list_params, ListControls, Pager};
use crate::components::sidebar::{GroupSidebar, MainSidebar};
use crate::server_fns::registry::{group_registry, DeleteRepository};

#[component]
pub fn GroupRegistryPage(path: String) -> impl IntoView {
    let params = use_list_params();
    let delete = ServerAction::<DeleteRepository>::new();
    let data =
        Resource::new(move || (path.clone(), params.get(), delete.version().get()), |(path, params, _)| group_registry(path, params));
    view! {
        <Transition fallback=|| view! { <MainSidebar/><main class="content">"Loading…"</main> }>
            {move || Suspend::new(async move {
                let d = match data.await {
                    Ok(d) => d,
                    Err(e) => return page_error(e),
                };
                let base = format!("/groups/{}/-/container_registries", d.full_path);
                let params = params.get_untracked();
                view! {
                    <PageTitle text=format!("Container Registry · {} · Berth", d.name)/>
                    <GroupSidebar full_path=d.full_path.clone() name=d.name.clone()/>
                    <main class="content" id="content">
                        <h1>"Container Registry"</h1>
                        <p class="muted" data-testid="image-count">{format!("{} image {}", d.page.total, if d.page.total == 1 { "repository" } else { "repositories" })}</p>
                        <ListControls base=base.clone() params=params.clone() orders=REPOSITORY_ORDERS
                            order_by=d.page.order_by.clone() sort=d.page.sort.clone() search_label="Filter by name"/>
                        {d.page.items.is_empty().then(|| view! { <p class="muted" data-testid="no-results">{match params.search.clone() {
                            Some(search) => format!("No results for \u{201c}{search}\u{201d}"),
                            None => "No container images in this group's projects yet.".to_string(),
                        }}</p> })}
                        <RepositoryTable items=d.page.items.clone() host=d.host.clone() now=d.now show_project=true delete/>
                        <Pager base=base params previous=d.page.previous.clone() next=d.page.next.clone()/>
                    </main>
                }.into_any()
            })}
        </Transition>
    }
}

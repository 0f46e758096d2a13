use crate::components::page_title::PageTitle;
use leptos::prelude::*;

use crate::components::feedback::page_error;
use crate::components::sidebar::{GroupSidebar, MainSidebar};
use crate::pages::dashboard::index::summary_list;
use crate::server_fns::groups::group_page;

#[component]
pub fn GroupPage(path: String) -> impl IntoView {
    let data = Resource::new(move || path.clone(), group_page);
    view! {
        <Suspense fallback=|| view! { <MainSidebar/><main class="content">"Loading…"</main> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(g) => view! {
                        <PageTitle text=format!("{} · Berth", g.name)/>
                        <GroupSidebar full_path=g.full_path.clone() name=g.name.clone()/>
                        <main class="content" id="content">
                            <div class="page-header">
                                <div>
                                    <h1>{g.name.clone()}</h1>
                                    <p class="muted">
                                        {g.full_path.clone()} " · " <span class="badge">{g.visibility.clone()}</span>
                                        {g.role.clone().map(|r| view! { " · your role: " <strong>{r}</strong> })}
                                    </p>
                                </div>
                                {g.can_create_in.then(|| view! {
                                    <div class="actions">
                                        <a class="button" href="/groups/new">"New subgroup"</a>
                                        <a class="button primary" href="/projects/new">"New project"</a>
                                    </div>
                                })}
                            </div>
                            <section class="card">
                                <h2>"Subgroups"</h2>
                                {summary_list(g.subgroups, "/groups", "No subgroups.", "subgroups")}
                            </section>
                            <section class="card">
                                <h2>"Projects"</h2>
                                {summary_list(g.projects, "", "No projects.", "group-projects")}
                            </section>
                        </main>
                    }.into_any(),
                    Err(e) => page_error(e),
                }
            })}
        </Suspense>
    }
}

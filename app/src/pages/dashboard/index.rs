use crate::components::page_title::PageTitle;
use leptos::prelude::*;

use crate::components::feedback::page_error;
use crate::components::sidebar::MainSidebar;
use crate::server_fns::dashboard::{dashboard, Summary};

pub fn summary_list(items: Vec<Summary>, prefix: &'static str, empty: &'static str, testid: &'static str) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="muted">{empty}</p> }.into_any();
    }
    view! {
        <ul class="item-list" data-testid=testid>
            {items.into_iter().map(|s| view! {
                <li>
                    <a href=format!("{prefix}/{}", s.full_path)>{s.name.clone()}</a>
                    " " <span class="muted">{s.full_path.clone()}</span>
                    " " <span class="badge">{s.visibility.clone()}</span>
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| dashboard());
    view! {
        <PageTitle text="Dashboard · Berth"/>
        <Suspense fallback=|| view! { <MainSidebar/><main class="content">"Loading…"</main> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! {
                        <MainSidebar/>
                        <main class="content" id="content">
                            <div class="page-header">
                                <h1>"Your work"</h1>
                                <div class="actions">
                                    <a class="button" href="/groups/new">"New group"</a>
                                    <a class="button primary" href="/projects/new">"New project"</a>
                                </div>
                            </div>
                            <section class="card">
                                <h2>"Projects"</h2>
                                {summary_list(d.projects, "", "You are not a member of any project yet.", "my-projects")}
                            </section>
                            <section class="card">
                                <h2>"Groups"</h2>
                                {summary_list(d.groups, "/groups", "You are not a member of any group yet.", "my-groups")}
                            </section>
                        </main>
                    }.into_any(),
                    Err(e) => page_error(e),
                }
            })}
        </Suspense>
    }
}

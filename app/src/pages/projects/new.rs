use crate::components::page_title::PageTitle;
use leptos::prelude::*;

use crate::components::feedback::{action_error, page_error, visibility_options};
use crate::components::sidebar::MainSidebar;
use crate::server_fns::projects::{project_namespace_options, CreateProject};

#[component]
pub fn NewProjectPage() -> impl IntoView {
    let action = ServerAction::<CreateProject>::new();
    let options = Resource::new(|| (), |_| project_namespace_options());
    view! {
        <PageTitle text="New project · Berth"/>
        <Suspense fallback=|| view! { <MainSidebar/><main class="content">"Loading…"</main> }>
            {move || Suspend::new(async move {
                match options.await {
                    Ok(namespaces) => view! {
                        <MainSidebar/>
                        <main class="content" id="content">
                            <h1>"New project"</h1>
                            <section class="card">
                                <ActionForm action=action attr:class="stack">
                                    <label for="project-name">"Project name"</label>
                                    <input id="project-name" name="name" required/>
                                    <label for="project-namespace">"Namespace"</label>
                                    <select id="project-namespace" name="namespace_id">
                                        {namespaces.into_iter().map(|n| {
                                            let label = if n.personal { format!("{} (personal)", n.full_path) } else { n.full_path.clone() };
                                            view! { <option value=n.id.to_string()>{label}</option> }
                                        }).collect_view()}
                                    </select>
                                    <label for="project-path">"Project slug (path)"</label>
                                    <input id="project-path" name="path" required pattern="[a-z0-9][a-z0-9._\\-]*"/>
                                    <label for="project-visibility">"Visibility"</label>
                                    <select id="project-visibility" name="visibility">{visibility_options("private")}</select>
                                    <button type="submit" class="primary">"Create project"</button>
                                </ActionForm>
                                {move || action_error(action.value().get())}
                            </section>
                        </main>
                    }.into_any(),
                    Err(e) => page_error(e),
                }
            })}
        </Suspense>
    }
}

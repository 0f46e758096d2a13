use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::feedback::{action_error, page_error, visibility_options};
use crate::components::sidebar::MainSidebar;
use crate::server_fns::groups::{group_parent_options, CreateGroup};

#[component]
pub fn NewGroupPage() -> impl IntoView {
    let action = ServerAction::<CreateGroup>::new();
    let options = Resource::new(|| (), |_| group_parent_options());
    // `?parent_id=<id>` preselects the parent (the "New subgroup" button).
    let query = use_query_map();
    view! {
        <PageTitle text="New group · Berth"/>
        <Suspense fallback=|| view! { <MainSidebar/><main class="content">"Loading…"</main> }>
            {move || Suspend::new(async move {
                let preselected = query.read_untracked().get("parent_id").unwrap_or_default();
                match options.await {
                    Ok(parents) => view! {
                        <MainSidebar/>
                        <main class="content" id="content">
                            <h1>"New group"</h1>
                            <section class="card">
                                <ActionForm action=action attr:class="stack">
                                    <label for="group-name">"Group name"</label>
                                    <input id="group-name" name="name" required/>
                                    <label for="group-path">"Group URL (path)"</label>
                                    <input id="group-path" name="path" required pattern="[a-z0-9][a-z0-9._\\-]*"/>
                                    <label for="group-parent">"Parent group"</label>
                                    <select id="group-parent" name="parent_id">
                                        <option value="">"None (top-level group)"</option>
                                        {parents.into_iter().map(|p| {
                                            let id = p.id.to_string();
                                            let selected = id == preselected;
                                            view! { <option value=id selected=selected>{p.full_path}</option> }
                                        }).collect_view()}
                                    </select>
                                    <label for="group-visibility">"Visibility"</label>
                                    <select id="group-visibility" name="visibility">{visibility_options("private")}</select>
                                    <button type="submit" class="primary">"Create group"</button>
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

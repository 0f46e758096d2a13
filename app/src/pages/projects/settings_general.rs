//! Project settings › General › Visibility, project features, permissions.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::feedback::{action_error, page_error, visibility_options};
use crate::components::sidebar::{MainSidebar, ProjectSidebar};
use crate::server_fns::project_settings::{project_general_settings, UpdateProjectGeneralSettings};

#[component]
pub fn GeneralSettingsPage(path: String) -> impl IntoView {
    let save = ServerAction::<UpdateProjectGeneralSettings>::new();
    let data = Resource::new(move || (path.clone(), save.version().get()), |(path, _)| project_general_settings(path));
    view! {
        <Transition fallback=|| view! { <MainSidebar/><main class="content">"Loading…"</main> }>
            {move || Suspend::new(async move {
                let s = match data.await {
                    Ok(s) => s,
                    Err(e) => return page_error(e),
                };
                let visibility: &'static str = match s.visibility.as_str() {
                    "public" => "public",
                    "internal" => "internal",
                    _ => "private",
                };
                let enabled = s.registry_access != "disabled";
                let members_only = s.registry_access == "private";
                view! {
                    <Title text=format!("General settings · {} · Berth", s.nav.name)/>
                    <ProjectSidebar nav=s.nav.clone()/>
                    <main class="content" id="content">
                        <h1>"General settings"</h1>
                        <section class="card">
                            <h2>"Visibility, project features, permissions"</h2>
                            <ActionForm action=save attr:class="stack">
                                <input type="hidden" name="path" value=s.nav.full_path.clone()/>
                                <label for="project-visibility">"Project visibility"</label>
                                <select id="project-visibility" name="visibility">{visibility_options(visibility)}</select>
                                <fieldset>
                                    <legend>"Container Registry"</legend>
                                    <label>
                                        <input type="checkbox" name="registry_enabled" value="on" checked=enabled data-testid="registry-enabled"/>
                                        " Enabled — every project can have its own space to store its images"
                                    </label>
                                    <label for="registry-access">"Who can see the Container Registry"</label>
                                    <select id="registry-access" name="registry_access_level">
                                        <option value="enabled" selected=!members_only>"Everyone with access"</option>
                                        <option value="private" selected=members_only>"Only project members"</option>
                                    </select>
                                </fieldset>
                                <button type="submit" class="primary">"Save changes"</button>
                            </ActionForm>
                            {move || action_error(save.value().get())}
                            {move || matches!(save.value().get(), Some(Ok(()))).then(|| view! { <p class="success" role="status" data-testid="settings-saved">"Settings saved."</p> })}
                        </section>
                    </main>
                }.into_any()
            })}
        </Transition>
    }
}

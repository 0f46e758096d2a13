//! Project settings › General › Visibility, project features, permissions.

use crate::components::page_title::PageTitle;
use leptos::prelude::*;

use crate::components::feedback::{action_error, page_error, visibility_options};
use crate::components::sidebar::{MainSidebar, ProjectSidebar};
use crate::server_fns::project_settings::{project_general_settings, RenameProjectPath, TransferProjectTo, UpdateProjectGeneralSettings};
use crate::server_fns::projects::project_namespace_options;

#[component]
pub fn GeneralSettingsPage(path: String) -> impl IntoView {
    let save = ServerAction::<UpdateProjectGeneralSettings>::new();
    let rename = ServerAction::<RenameProjectPath>::new();
    let transfer = ServerAction::<TransferProjectTo>::new();
    let namespaces = Resource::new(|| (), |_| project_namespace_options());
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
                let (fp_save, fp_rename, fp_transfer) = (s.nav.full_path.clone(), s.nav.full_path.clone(), s.nav.full_path.clone());
                let can_transfer = s.can_transfer;
                let saved_before = s.saved;
                view! {
                    <PageTitle text=format!("General settings · {} · Berth", s.nav.name)/>
                    <ProjectSidebar nav=s.nav.clone()/>
                    <main class="content" id="content">
                        <h1>"General settings"</h1>
                        <section class="card">
                            <h2>"Visibility, project features, permissions"</h2>
                            <ActionForm action=save attr:class="stack">
                                <input type="hidden" name="path" value=fp_save/>
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
                            {move || (matches!(save.value().get(), Some(Ok(()))) || (saved_before && save.value().get().is_none())).then(|| view! { <p class="success" role="status" data-testid="settings-saved">"Settings saved."</p> })}
                        </section>
                        <section class="card">
                            <h2>"Change path"</h2>
                            <p class="muted">"Not possible while the Container Registry holds tags: image names would change under their users."</p>
                            <ActionForm action=rename attr:class="row-form">
                                <input type="hidden" name="path" value=fp_rename/>
                                <label for="project-new-path">"Path"</label>
                                <input id="project-new-path" name="new_path" value=s.path.clone() required/>
                                <button type="submit">"Change path"</button>
                            </ActionForm>
                            {move || action_error(rename.value().get())}
                        </section>
                        {can_transfer.then(move || {
                            let full_path = fp_transfer;
                            view! {
                                <section class="card">
                                    <h2>"Transfer project"</h2>
                                    <Suspense fallback=|| "…">
                                        {move || {
                                            let full_path = full_path.clone();
                                            Suspend::new(async move {
                                                let options = namespaces.await.unwrap_or_default();
                                                view! {
                                                    <ActionForm action=transfer attr:class="row-form">
                                                        <input type="hidden" name="path" value=full_path/>
                                                        <label for="transfer-namespace">"New namespace"</label>
                                                        <select id="transfer-namespace" name="namespace_id">
                                                            {options.into_iter().map(|o| view! { <option value=o.id.to_string()>{o.full_path}</option> }).collect_view()}
                                                        </select>
                                                        <button type="submit" class="danger">"Transfer project"</button>
                                                    </ActionForm>
                                                }
                                            })
                                        }}
                                    </Suspense>
                                    {move || action_error(transfer.value().get())}
                                </section>
                            }
                        })}
                    </main>
                }.into_any()
            })}
        </Transition>
    }
}

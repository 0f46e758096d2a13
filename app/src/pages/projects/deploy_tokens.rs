//! Project settings › Repository › Deploy tokens.

use crate::components::page_title::PageTitle;
use leptos::prelude::*;

use crate::components::feedback::{action_error, page_error};
use crate::components::sidebar::{MainSidebar, ProjectSidebar};
use crate::pages::user_settings::access_tokens::{new_token_panel, token_table};
use crate::server_fns::tokens::{deploy_tokens_page, CreateDeployToken, RevokeDeployToken};

#[component]
pub fn DeployTokensPage(path: String) -> impl IntoView {
    let create = ServerAction::<CreateDeployToken>::new();
    let revoke = ServerAction::<RevokeDeployToken>::new();
    let data = Resource::new(move || (path.clone(), create.version().get(), revoke.version().get()), |(path, ..)| deploy_tokens_page(path));
    view! {
        <Transition fallback=|| view! { <MainSidebar/><main class="content">"Loading…"</main> }>
            {move || Suspend::new(async move {
                let page = match data.await {
                    Ok(p) => p,
                    Err(e) => return page_error(e),
                };
                let full_path = page.nav.full_path.clone();
                let fp = full_path.clone();
                view! {
                    <PageTitle text=format!("Repository settings · {} · Berth", page.nav.name)/>
                    <ProjectSidebar nav=page.nav.clone()/>
                    <main class="content" id="content">
                        <h1>"Deploy tokens"</h1>
                        <p class="muted">"Deploy tokens let automation pull or push this project's images. They have no role: their scopes alone decide."</p>
                        {move || create.value().get().and_then(Result::ok).map(|t| new_token_panel(t, "deploy token"))}
                        <section class="card">
                            <h2>"New deploy token"</h2>
                            <ActionForm action=create attr:class="stack">
                                <input type="hidden" name="path" value=full_path.clone()/>
                                <label for="deploy-name">"Name"</label>
                                <input id="deploy-name" name="name" required maxlength="255"/>
                                <label for="deploy-expiry">"Expiration date (optional)"</label>
                                <input id="deploy-expiry" name="expires_at" type="date"/>
                                <label for="deploy-username">"Username (optional)"</label>
                                <input id="deploy-username" name="username"/>
                                <fieldset>
                                    <legend>"Scopes"</legend>
                                    <label><input type="checkbox" name="scope_read_registry" value="on"/>" read_registry"</label>
                                    <label><input type="checkbox" name="scope_write_registry" value="on"/>" write_registry"</label>
                                </fieldset>
                                <button type="submit" class="primary">"Create deploy token"</button>
                            </ActionForm>
                            {move || action_error(create.value().get())}
                        </section>
                        <section class="card">
                            <h2>"Active and past deploy tokens"</h2>
                            {move || action_error(revoke.value().get())}
                            {token_table(page.tokens, move |id, name| { let fp = fp.clone(); view! {
                                <ActionForm action=revoke attr:class="inline">
                                    <input type="hidden" name="path" value=fp/>
                                    <input type="hidden" name="id" value=id.to_string()/>
                                    <button type="submit" class="danger" aria-label=format!("Revoke {name}")>"Revoke"</button>
                                </ActionForm>
                            }.into_any() }, true)}
                        </section>
                    </main>
                }.into_any()
            })}
        </Transition>
    }
}

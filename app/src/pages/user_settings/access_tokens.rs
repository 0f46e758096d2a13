use crate::components::page_title::PageTitle;
use leptos::prelude::*;

use crate::components::feedback::{action_error, page_error, CopyField};
use crate::components::sidebar::MainSidebar;
use crate::dates::format_date;
use crate::server_fns::tokens::{personal_tokens, CreatePersonalToken, NewToken, RevokePersonalToken, TokenRow};

/// The panel showing a secret just created (it is never shown again).
pub fn new_token_panel(token: NewToken, what: &'static str) -> impl IntoView {
    view! {
        <section class="card success" role="status" data-testid="new-token">
            <h2>{format!("Your new {what}")}</h2>
            <p>{format!("Make sure you save it — you won't be able to access it again. Name: {}", token.name)}</p>
            {token.username.map(|u| view! { <p>"Username: " <code data-testid="new-token-username">{u}</code></p> })}
            <CopyField value=token.secret label="Token secret" testid="new-token-secret"/>
        </section>
    }
}

/// Token rows with a revoke form built by `revoke` for the active ones.
pub fn token_table(tokens: Vec<TokenRow>, revoke: impl Fn(i64, String) -> AnyView, with_username: bool) -> impl IntoView {
    if tokens.is_empty() {
        return view! { <p class="muted">"No tokens yet."</p> }.into_any();
    }
    view! {
        <div class="table-scroll"><table class="table" data-testid="tokens">
            <thead><tr>
                <th>"Name"</th>
                {with_username.then(|| view! { <th>"Username"</th> })}
                <th>"Scopes"</th><th>"Created"</th><th>"Expires"</th><th>"Status"</th>
                <th><span class="sr-only">"Actions"</span></th>
            </tr></thead>
            <tbody>
                {tokens.into_iter().map(|t| view! {
                    <tr data-testid=format!("token-{}", t.name)>
                        <td>{t.name.clone()}</td>
                        {with_username.then(|| view! { <td>{t.username.clone().unwrap_or_default()}</td> })}
                        <td>{t.scopes.join(", ")}</td>
                        <td>{format_date(t.created_at)}</td>
                        <td>{t.expires_at.map(format_date).unwrap_or_else(|| "Never".into())}</td>
                        <td>{if t.revoked { "Revoked" } else { "Active" }}</td>
                        <td>{(!t.revoked).then(|| revoke(t.id, t.name.clone()))}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table></div>
    }
    .into_any()
}

#[component]
pub fn AccessTokensPage() -> impl IntoView {
    let create = ServerAction::<CreatePersonalToken>::new();
    let revoke = ServerAction::<RevokePersonalToken>::new();
    let data = Resource::new(move || (create.version().get(), revoke.version().get()), |_| personal_tokens());
    view! {
        <PageTitle text="Personal access tokens · Berth"/>
        <MainSidebar/>
        <main class="content" id="content">
            <h1>"Personal access tokens"</h1>
            <p class="muted">"Use them with the REST API and with docker login, in place of your password."</p>
            {move || create.value().get().and_then(Result::ok).map(|t| new_token_panel(t, "personal access token"))}
            <section class="card">
                <h2>"Add a personal access token"</h2>
                <ActionForm action=create attr:class="stack">
                    <label for="token-name">"Token name"</label>
                    <input id="token-name" name="name" required maxlength="255"/>
                    <label for="token-expiry">"Expiration date"</label>
                    <input id="token-expiry" name="expires_at" type="date"/>
                    <fieldset>
                        <legend>"Scopes"</legend>
                        <label><input type="checkbox" name="scope_api" value="on"/>" api"</label>
                        <label><input type="checkbox" name="scope_read_api" value="on"/>" read_api"</label>
                        <label><input type="checkbox" name="scope_read_registry" value="on"/>" read_registry"</label>
                        <label><input type="checkbox" name="scope_write_registry" value="on"/>" write_registry"</label>
                    </fieldset>
                    <button type="submit" class="primary">"Create personal access token"</button>
                </ActionForm>
                {move || action_error(create.value().get())}
            </section>
            <section class="card">
                <h2>"Active and past tokens"</h2>
                {move || action_error(revoke.value().get())}
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match data.await {
                            Ok(d) => view! {
                                {d.just_created.map(|t| new_token_panel(t, "personal access token"))}
                                {token_table(d.tokens, move |id, name| view! {
                                <ActionForm action=revoke attr:class="inline">
                                    <input type="hidden" name="id" value=id.to_string()/>
                                    <button type="submit" class="danger" aria-label=format!("Revoke {name}")>"Revoke"</button>
                                </ActionForm>
                            }.into_any(), false)}
                            }.into_any(),
                            Err(e) => page_error(e),
                        }
                    })}
                </Transition>
            </section>
        </main>
    }
}

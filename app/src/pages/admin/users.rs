use crate::components::page_title::PageTitle;
use leptos::prelude::*;

use crate::components::feedback::{action_error, page_error};
use crate::components::sidebar::MainSidebar;
use crate::server_fns::admin::{admin_users, AdminCreateUser, AdminSetBlocked};

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let create = ServerAction::<AdminCreateUser>::new();
    let block = ServerAction::<AdminSetBlocked>::new();
    let data = Resource::new(move || (create.version().get(), block.version().get()), |_| admin_users());
    view! {
        <PageTitle text="Users · Admin area · Berth"/>
        <Transition fallback=|| view! { <MainSidebar/><main class="content">"Loading…"</main> }>
            {move || Suspend::new(async move {
                let users = match data.await {
                    Ok(u) => u,
                    Err(e) => return page_error(e),
                };
                view! {
                    <MainSidebar/>
                    <main class="content" id="content">
                        <h1>"Admin area › Users"</h1>
                        <p><a href="/admin/registry">"Registry and garbage collection"</a></p>
                        <section class="card">
                            <h2>"New user"</h2>
                            <ActionForm action=create attr:class="stack">
                                <label for="user-username">"Username"</label>
                                <input id="user-username" name="username" required/>
                                <label for="user-name">"Name"</label>
                                <input id="user-name" name="name"/>
                                <label for="user-email">"Email"</label>
                                <input id="user-email" name="email" type="email" required/>
                                <label for="user-password">"Password"</label>
                                <input id="user-password" name="password" type="password" required minlength="8" autocomplete="new-password"/>
                                <label><input type="checkbox" name="is_admin" value="on"/>" Administrator"</label>
                                <button type="submit" class="primary">"Create user"</button>
                            </ActionForm>
                            {move || create.value().get().and_then(Result::ok).map(|u| view! {
                                <p class="success" role="status">{format!("User {u} created.")}</p>
                            })}
                            {move || action_error(create.value().get())}
                        </section>
                        {move || action_error(block.value().get())}
                        <div class="table-scroll"><table class="table" data-testid="users">
                            <thead><tr><th>"Username"</th><th>"Name"</th><th>"Email"</th><th>"Status"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                            <tbody>
                                {users.into_iter().map(|u| view! {
                                    <tr data-testid=format!("user-{}", u.username)>
                                        <td>{u.username.clone()} {u.is_admin.then(|| view! { " " <span class="badge">"Admin"</span> })}</td>
                                        <td>{u.name.clone()}</td>
                                        <td>{u.email.clone()}</td>
                                        <td data-testid="user-status">{if u.is_blocked { "Blocked" } else { "Active" }}</td>
                                        <td>
                                            {(!u.is_self).then(|| view! {
                                                <ActionForm action=block attr:class="inline">
                                                    <input type="hidden" name="user_id" value=u.id.to_string()/>
                                                    <input type="hidden" name="blocked" value=(!u.is_blocked).to_string()/>
                                                    <button type="submit">{if u.is_blocked { "Unblock" } else { "Block" }}</button>
                                                </ActionForm>
                                            })}
                                        </td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table></div>
                    </main>
                }.into_any()
            })}
        </Transition>
    }
}

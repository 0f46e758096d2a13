//! The members page of a group or a project (one component, two sidebars).

use crate::components::page_title::PageTitle;
use leptos::prelude::*;

use crate::components::feedback::{action_error, page_error};
use crate::components::sidebar::{GroupSidebar, MainSidebar, ProjectSidebar};
use crate::dates::format_date;
use crate::roles::{role_name, ROLES};
use crate::server_fns::members::{members_page, AddMember, ChangeMemberRole, RemoveMember};

fn role_options(selected: i64, can_grant_owner: bool) -> impl IntoView {
    ROLES
        .into_iter()
        .filter(move |(level, _)| *level < 50 || can_grant_owner)
        .map(move |(level, name)| view! { <option value=level.to_string() selected=level == selected>{name}</option> })
        .collect_view()
}

/// `kind` is `"project"` or `"group"`.
#[component]
pub fn MembersPage(kind: &'static str, path: String) -> impl IntoView {
    let add = ServerAction::<AddMember>::new();
    let change = ServerAction::<ChangeMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let data = Resource::new(
        move || (path.clone(), add.version().get(), change.version().get(), remove.version().get()),
        move |(path, ..)| members_page(kind.to_string(), path),
    );
    view! {
        <Transition fallback=|| view! { <MainSidebar/><main class="content">"Loading…"</main> }>
            {move || Suspend::new(async move {
                let page = match data.await {
                    Ok(p) => p,
                    Err(e) => return page_error(e),
                };
                let sidebar = match page.project_nav.clone() {
                    Some(nav) => view! { <ProjectSidebar nav/> }.into_any(),
                    None => view! { <GroupSidebar full_path=page.full_path.clone() name=page.name.clone()/> }.into_any(),
                };
                let can_manage = page.can_manage;
                let can_grant_owner = page.can_grant_owner;
                let full_path = page.full_path.clone();
                let rows = page.members.into_iter().map(|m| {
                    let editable = can_manage && (m.access_level < 50 || can_grant_owner);
                    let fp = full_path.clone();
                    let username = m.username.clone();
                    view! {
                        <tr data-testid=format!("member-{}", m.username)>
                            <td>{m.username.clone()}</td>
                            <td data-testid="member-role">{role_name(m.access_level)}</td>
                            <td>{format_date(m.since)}</td>
                            <td class="row-actions">
                                {editable.then(|| {
                                    let fp2 = fp.clone();
                                    let role_label = format!("Role of {username}");
                                    let remove_label = format!("Remove {username}");
                                    view! {
                                        <ActionForm action=change attr:class="inline">
                                            <input type="hidden" name="kind" value=kind/>
                                            <input type="hidden" name="path" value=fp.clone()/>
                                            <input type="hidden" name="user_id" value=m.user_id.to_string()/>
                                            <select name="access_level" aria-label=role_label>
                                                {role_options(m.access_level, can_grant_owner)}
                                            </select>
                                            <button type="submit">"Change role"</button>
                                        </ActionForm>
                                        <ActionForm action=remove attr:class="inline">
                                            <input type="hidden" name="kind" value=kind/>
                                            <input type="hidden" name="path" value=fp2/>
                                            <input type="hidden" name="user_id" value=m.user_id.to_string()/>
                                            <button type="submit" class="danger" aria-label=remove_label>"Remove"</button>
                                        </ActionForm>
                                    }
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view();
                view! {
                    <PageTitle text=format!("Members · {} · Berth", page.name)/>
                    {sidebar}
                    <main class="content" id="content">
                        <h1>"Members of " {page.name.clone()}</h1>
                        {can_manage.then(|| view! {
                            <section class="card">
                                <h2>"Add a member"</h2>
                                <ActionForm action=add attr:class="row-form">
                                    <input type="hidden" name="kind" value=kind/>
                                    <input type="hidden" name="path" value=full_path.clone()/>
                                    <label for="member-username">"Username"</label>
                                    <input id="member-username" name="username" required/>
                                    <label for="member-role">"Role"</label>
                                    <select id="member-role" name="access_level">{role_options(10, can_grant_owner)}</select>
                                    <button type="submit" class="primary">"Add member"</button>
                                </ActionForm>
                            </section>
                        })}
                        {move || action_error(add.value().get())}
                        {move || action_error(change.value().get())}
                        {move || action_error(remove.value().get())}
                        <div class="table-scroll"><table class="table" data-testid="members">
                            <thead><tr><th>"User"</th><th>"Role"</th><th>"Member since"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table></div>
                    </main>
                }.into_any()
            })}
        </Transition>
    }
}

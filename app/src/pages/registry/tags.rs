//! `/<project>/container_registry/<repository id>`: the tags of one image repository, with
//! selection and deletion.

use std::collections::BTreeSet;

use crate::components::page_title::PageTitle;
use leptos::prelude::*;

use crate::components::feedback::{action_error, page_error, CopyButton, CopyField};
use crate::components::registry::charts::TagSizeChart;
use crate::components::registry::dialog::ConfirmDialog;
use crate::components::registry::list_url::{use_list_params, ListControls, Pager};
use crate::components::sidebar::{MainSidebar, ProjectSidebar};
use crate::dates::{format_bytes, format_datetime, relative};
use crate::server_fns::registry::{repository_tags, DeleteTags, TagItem};

const TAG_ORDERS: &[(&str, &str)] = &[("PUBLISHED_AT", "Published"), ("NAME", "Name")];

/// `sha256:0123456789ab…` → `0123456789ab` (what people compare by eye).
fn short_digest(d: &str) -> String {
    d.split_once(':').map(|(_, hex)| hex).unwrap_or(d).chars().take(12).collect()
}

#[component]
pub fn TagDetailsPage(path: String, repository_id: i64) -> impl IntoView {
    let params = use_list_params();
    let delete = ServerAction::<DeleteTags>::new();
    let data = Resource::new(
        move || (path.clone(), params.get(), delete.version().get()),
        move |(path, params, _)| repository_tags(path, repository_id, params),
    );
    let selected = RwSignal::new(BTreeSet::<String>::new());
    // What the open dialog would remove.
    let confirming = RwSignal::new(None::<Vec<String>>);
    Effect::new(move |_| {
        if let Some(Ok(_)) = delete.value().get() {
            selected.set(BTreeSet::new());
            confirming.set(None);
        }
    });
    view! {
        <Transition fallback=|| view! { <MainSidebar/><main class="content">"Loading…"</main> }>
            {move || Suspend::new(async move {
                let d = match data.await {
                    Ok(d) => d,
                    Err(e) => return page_error(e),
                };
                let project_path = d.nav.full_path.clone();
                let repo_path = d.repository.path.clone();
                let base = format!("/{project_path}/container_registry/{}", d.repository.id);
                let params = params.get_untracked();
                let filtered = params.search.is_some() || params.platform.is_some() || params.older_than.is_some();
                let params_for_empty = params.clone();
                let can_delete = d.can_delete_tags && d.repository.status.is_none();
                let page_names: Vec<String> = d.tags.iter().map(|t| t.name.clone()).collect();
                let rows = d.tags.iter().cloned().map(|t| tag_row(t, &d.host, &repo_path, d.now, can_delete, selected, confirming)).collect_view();
                let all_names = page_names.clone();
                let all_selected = move || !all_names.is_empty() && all_names.iter().all(|n| selected.with(|s| s.contains(n)));
                let toggle_names = page_names.clone();
                let toggle_all = move |ev: leptos::ev::Event| {
                    let on = event_target_checked(&ev);
                    selected.update(|s| for n in &toggle_names { if on { s.insert(n.clone()); } else { s.remove(n); } });
                };
                let (dialog_path, dialog_id, dialog_repo) = (project_path.clone(), d.repository.id, repo_path.clone());
                view! {
                    <PageTitle text=format!("{} · Container Registry · Berth", repo_path)/>
                    <ProjectSidebar nav=d.nav.clone()/>
                    <main class="content" id="content">
                        <p class="breadcrumbs"><a href=format!("/{project_path}/container_registry")>"Container Registry"</a> " / " {repo_path.clone()}</p>
                        <div class="page-header">
                            <div>
                                <h1 data-testid="repository-path">{repo_path.clone()}</h1>
                                <p class="muted" data-testid="tag-count">{tag_count(d.total, d.repository.tags_count, filtered)}</p>
                            </div>
                        </div>
                        <CopyField value=format!("{}/{}", d.host, repo_path) label="Image path" testid="repository-image-path"/>
                        {d.repository.status.is_some().then(|| view! { <p class="status-warning" data-testid="repository-status">"This image repository is scheduled for deletion"</p> })}
                        {(d.size_history.len() > 1).then(|| view! { <TagSizeChart points=d.size_history.clone()/> })}
                        <ListControls base=base.clone() params=params.clone() orders=TAG_ORDERS order_by=d.order_by.clone() sort=d.sort.clone()
                            tag_filters=true search_label="Filter by tag name"/>
                        {move || action_error(delete.value().get())}
                        {move || match delete.value().get() {
                            Some(Ok(n)) => Some(view! { <p class="success" role="status" data-testid="delete-result">{format!("{n} {} deleted", if n == 1 { "tag" } else { "tags" })}</p> }),
                            _ => None,
                        }}
                        {can_delete.then(|| view! {
                            <div class="actions selection-bar">
                                <button type="button" class="danger needs-js" data-testid="delete-selected"
                                    disabled=move || selected.with(|s| s.is_empty())
                                    on:click=move |_| confirming.set(Some(selected.get().into_iter().collect()))>
                                    {move || format!("Delete selected ({})", selected.with(|s| s.len()))}
                                </button>
                            </div>
                        })}
                        {d.tags.is_empty().then(|| view! { <p class="muted" data-testid="no-results">{empty_text(&params_for_empty, filtered)}</p> })}
                        <div class="table-scroll"><table class="table" data-testid="tags">
                            <thead><tr>
                                <th>{can_delete.then(|| view! {
                                    <input type="checkbox" class="needs-js" aria-label="Select all tags on this page" data-testid="select-all"
                                        prop:checked=all_selected on:change=toggle_all/>
                                })}</th>
                                <th>"Tag"</th><th>"Published"</th><th>"Size"</th><th>"Digest"</th><th>"Configuration"</th><th>"Platforms"</th>
                                <th><span class="sr-only">"Actions"</span></th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table></div>
                        <Pager base=base params previous=d.previous.clone() next=d.next.clone()/>
                        {move || confirming.get().map(|names| {
                            let (dialog_path, dialog_repo) = (dialog_path.clone(), dialog_repo.clone());
                            let title = if names.len() == 1 { "Remove tag".to_string() } else { format!("Remove {} tags", names.len()) };
                            let joined = names.join("\n");
                            let listed = names.iter().map(|n| view! { <li><code>{format!("{dialog_repo}:{n}")}</code></li> }).collect_view();
                            view! {
                                <ConfirmDialog title on_cancel=Callback::new(move |_| confirming.set(None))>
                                    <p>"These tags will be removed. Deleted tags cannot be restored:"</p>
                                    <ul class="dialog-list" data-testid="dialog-tags">{listed}</ul>
                                    <ActionForm action=delete attr:class="actions">
                                        <input type="hidden" name="path" value=dialog_path/>
                                        <input type="hidden" name="repository_id" value=dialog_id.to_string()/>
                                        <input type="hidden" name="names" value=joined/>
                                        <button type="button" on:click=move |_| confirming.set(None)>"Cancel"</button>
                                        <button type="submit" class="danger-fill" data-testid="confirm-delete">"Remove"</button>
                                    </ActionForm>
                                </ConfirmDialog>
                            }
                        })}
                    </main>
                }.into_any()
            })}
        </Transition>
    }
}

fn tag_row(
    t: TagItem,
    host: &str,
    repo_path: &str,
    now: i64,
    can_delete: bool,
    selected: RwSignal<BTreeSet<String>>,
    confirming: RwSignal<Option<Vec<String>>>,
) -> impl IntoView {
    let name = t.name.clone();
    let (n1, n2, n3) = (name.clone(), name.clone(), name.clone());
    let platforms = if t.platforms.is_empty() { "—".to_string() } else { t.platforms.join(", ") };
    view! {
        <tr data-testid="tag-row" data-tag=name.clone()>
            <td>{can_delete.then(|| view! {
                <input type="checkbox" class="needs-js" aria-label=format!("Select tag {name}") data-testid="select-tag"
                    prop:checked=move || selected.with(|s| s.contains(&n1))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        selected.update(|s| { if on { s.insert(n2.clone()); } else { s.remove(&n2); } });
                    }/>
            })}</td>
            <td class="tag-name">
                <strong data-testid="tag-name">{name.clone()}</strong>
                " "
                <CopyButton value=format!("{host}/{repo_path}:{name}") label=format!("Copy {repo_path}:{name}")/>
            </td>
            <td><span title=format_datetime(t.published_at) data-testid="tag-published">{relative(now, t.published_at)}</span></td>
            <td data-testid="tag-size" data-bytes=t.size.to_string()>{format_bytes(t.size)}</td>
            <td><code title=t.digest.clone() data-testid="tag-digest" data-digest=t.digest.clone()>{short_digest(&t.digest)}</code></td>
            <td>{t.config_digest.clone().map(|c| view! { <code title=c.clone() data-testid="tag-config" data-digest=c.clone()>{short_digest(&c)}</code> })}</td>
            <td data-testid="tag-platforms">{platforms}</td>
            <td class="row-actions">{can_delete.then(|| view! {
                <button type="button" class="danger needs-js" aria-label=format!("Remove tag {name}") data-testid="delete-tag"
                    on:click=move |_| confirming.set(Some(vec![n3.clone()]))>"Delete"</button>
            })}</td>
        </tr>
    }
}

/// "25 tags"; while searching or filtering, "3 of 25 tags".
fn tag_count(shown: i64, all: i64, filtered: bool) -> String {
    let noun = |n: i64| if n == 1 { "tag" } else { "tags" };
    if filtered {
        format!("{shown} of {all} {}", noun(all))
    } else {
        format!("{shown} {}", noun(shown))
    }
}

/// What an empty tag list says: why it is empty.
fn empty_text(params: &crate::server_fns::registry::ListParams, filtered: bool) -> String {
    match (&params.search, filtered) {
        (Some(search), _) => format!("No results for \u{201c}{search}\u{201d}"),
        (None, true) => "No tags match these filters.".to_string(),
        (None, false) => "This image repository has no tags.".to_string(),
    }
}

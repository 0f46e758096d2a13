//! The repository table shared by the project and group Container Registry pages, with the
//! delete-repository dialog (confirmed by typing the image path).

use leptos::prelude::*;

use crate::components::feedback::{action_error, CopyButton};
use crate::components::registry::dialog::ConfirmDialog;
use crate::dates::{format_datetime, relative};
use crate::server_fns::registry::{DeleteRepository, RepositoryItem};

fn status_text(item: &RepositoryItem) -> Option<&'static str> {
    match item.status.as_deref() {
        Some("delete_scheduled") | Some("delete_ongoing") => Some("This image repository is scheduled for deletion"),
        Some("delete_failed") => Some("Deleting this image repository failed; an administrator can retry it"),
        _ => None,
    }
}

#[component]
pub fn RepositoryTable(
    items: Vec<RepositoryItem>,
    host: String,
    now: i64,
    show_project: bool,
    delete: ServerAction<DeleteRepository>,
) -> impl IntoView {
    let target = RwSignal::new(None::<RepositoryItem>);
    let typed = RwSignal::new(String::new());
    let rows = items
        .into_iter()
        .map(|item| {
            let href = format!("/{}/container_registry/{}", item.project_path, item.id);
            let status = status_text(&item);
            let deletable = item.can_delete && item.status.is_none();
            let for_dialog = item.clone();
            let label = format!("Remove repository {}", item.path);
            view! {
                <tr data-testid="repository-row" data-path=item.path.clone()>
                    <td>
                        <a href=href class="repo-link">{item.path.clone()}</a>
                        {show_project.then(|| view! { <div class="muted small">"Project: " {item.project_path.clone()}</div> })}
                        {status.map(|s| view! { <div class="status-warning" data-testid="repository-status">{s}</div> })}
                        {item.cleanup.clone().map(|c| view! { <div class="muted small" data-testid="cleanup-status">{c}</div> })}
                    </td>
                    <td data-testid="tags-count">{format!("{} {}", item.tags_count, if item.tags_count == 1 { "tag" } else { "tags" })}</td>
                    <td><span title=format_datetime(item.updated_at)>{"Updated " }{relative(now, item.updated_at)}</span></td>
                    <td><CopyButton value=format!("{host}/{}", item.path) label=format!("Copy image path {}", item.path)/></td>
                    <td class="row-actions">
                        {deletable.then(|| view! {
                            <button type="button" class="danger needs-js" aria-label=label data-testid="delete-repository"
                                on:click=move |_| { typed.set(String::new()); target.set(Some(for_dialog.clone())); }>
                                "Delete"
                            </button>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let close = Callback::new(move |_| target.set(None));
    Effect::new(move |_| {
        if matches!(delete.value().get(), Some(Ok(()))) {
            target.set(None);
        }
    });
    view! {
        {move || action_error(delete.value().get())}
        {move || matches!(delete.value().get(), Some(Ok(()))).then(|| view! {
            <p class="success" role="status" data-testid="delete-result">"Repository scheduled for deletion"</p>
        })}
        <div class="table-scroll"><table class="table" data-testid="repositories">
            <thead><tr><th>"Image repository"</th><th>"Tags"</th><th>"Last updated"</th><th>"Image path"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
            <tbody>{rows}</tbody>
        </table></div>
        {move || target.get().map(|item| {
            let path = item.path.clone();
            let matches = {
                let path = path.clone();
                move || typed.get().trim() == path
            };
            view! {
                <ConfirmDialog title="Delete image repository".to_string() on_cancel=close>
                    <p>"This deletes " <strong>{path.clone()}</strong> " with all " {item.tags_count} " of its tags. Deleted images cannot be restored."</p>
                    <ActionForm action=delete attr:class="stack">
                        <input type="hidden" name="path" value=item.project_path.clone()/>
                        <input type="hidden" name="repository_id" value=item.id.to_string()/>
                        <label for="confirm-repository">"To confirm, type " <code>{path.clone()}</code></label>
                        <input id="confirm-repository" name="confirm" autocomplete="off" data-testid="confirm-input"
                            prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev))/>
                        <div class="actions">
                            <button type="button" on:click=move |_| target.set(None)>"Cancel"</button>
                            <button type="submit" class="danger-fill" disabled=move || !matches() data-testid="confirm-delete">"Delete image repository"</button>
                        </div>
                    </ActionForm>
                </ConfirmDialog>
            }
        })}
    }
}

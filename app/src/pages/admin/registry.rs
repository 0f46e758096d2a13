//! Admin area › Registry: garbage collection and failed repository deletions.

use crate::components::page_title::PageTitle;
use leptos::prelude::*;

use crate::components::feedback::{action_error, page_error};
use crate::components::sidebar::MainSidebar;
use crate::dates::{format_bytes, format_datetime, relative};
use crate::server_fns::admin_registry::{admin_registry, AdminRetryRepositoryDeletion};

#[component]
pub fn AdminRegistryPage() -> impl IntoView {
    let retry = ServerAction::<AdminRetryRepositoryDeletion>::new();
    let data = Resource::new(move || retry.version().get(), |_| admin_registry());
    view! {
        <PageTitle text="Registry · Admin area · Berth"/>
        <Transition fallback=|| view! { <MainSidebar/><main class="content">"Loading…"</main> }>
            {move || Suspend::new(async move {
                let d = match data.await {
                    Ok(d) => d,
                    Err(e) => return page_error(e),
                };
                let g = d.gc.clone();
                let delay_hours = g.review_delay_ms as f64 / 3_600_000.0;
                let last_run = match g.last_run {
                    Some((started, finished, bytes)) => format!(
                        "{} ({}), {}, freed {}",
                        relative(d.now, started),
                        format_datetime(started),
                        if finished.is_some() { "finished" } else { "running" },
                        format_bytes(bytes)
                    ),
                    None => "never".to_string(),
                };
                let failed = d.failed.clone();
                view! {
                    <MainSidebar/>
                    <main class="content" id="content">
                        <h1>"Admin area › Registry"</h1>
                        <p><a href="/admin/users">"Users"</a></p>
                        <section class="card" data-testid="gc-status">
                            <h2>"Garbage collection"</h2>
                            <p class="muted">{format!("Unreferenced blobs and manifests are deleted after a review delay of {delay_hours:.1} h.")}</p>
                            <div class="table-scroll"><table class="table">
                                <tbody>
                                    <tr><th>"Blobs queued for review"</th><td data-testid="gc-blob-queue">{g.blob_queue}</td></tr>
                                    <tr><th>"Manifests queued for review"</th><td data-testid="gc-manifest-queue">{g.manifest_queue}</td></tr>
                                    <tr><th>"Due now"</th><td data-testid="gc-due">{g.blobs_due + g.manifests_due}</td></tr>
                                    <tr><th>"Failing (storage refused, retried later)"</th><td data-testid="gc-failing">{g.failing_items}</td></tr>
                                    <tr><th>"Deleted so far"</th><td>{format!("{} blobs, {} manifests", g.blobs_deleted, g.manifests_deleted)}</td></tr>
                                    <tr><th>"Bytes freed so far"</th><td data-testid="gc-bytes-freed">{format_bytes(g.bytes_freed)}</td></tr>
                                    <tr><th>"Last run"</th><td data-testid="gc-last-run">{last_run}</td></tr>
                                </tbody>
                            </table></div>
                        </section>
                        <section class="card">
                            <h2>"Repositories that failed deletion"</h2>
                            {move || action_error(retry.value().get())}
                            {if failed.is_empty() {
                                view! { <p class="muted" data-testid="no-failed-deletions">"None."</p> }.into_any()
                            } else {
                                view! {
                                    <div class="table-scroll"><table class="table" data-testid="failed-deletions">
                                        <thead><tr><th>"Repository"</th><th>"Attempts"</th><th>"Last error"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                                        <tbody>
                                            {failed.into_iter().map(|f| view! {
                                                <tr>
                                                    <td>{f.path.clone()}</td>
                                                    <td>{f.failures}</td>
                                                    <td class="muted">{f.last_error.clone().unwrap_or_default()}</td>
                                                    <td>
                                                        <ActionForm action=retry attr:class="inline">
                                                            <input type="hidden" name="repository_id" value=f.id.to_string()/>
                                                            <button type="submit" aria-label=format!("Retry deleting {}", f.path)>"Retry"</button>
                                                        </ActionForm>
                                                    </td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table></div>
                                }.into_any()
                            }}
                        </section>
                    </main>
                }.into_any()
            })}
        </Transition>
    }
}

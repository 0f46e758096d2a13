//! Project settings › Packages and registries › Cleanup policy, with a live preview of what
//! the policy in the form would delete now.

use crate::components::page_title::PageTitle;
use leptos::prelude::*;

use crate::components::feedback::page_error;
use crate::components::sidebar::{MainSidebar, ProjectSidebar};
use crate::dates::{format_bytes, format_datetime};
use crate::server_fns::cleanup::{cleanup_settings, preview_cleanup_policy, CleanupSettingsData, PolicyFields, SaveCleanupPolicy};

#[component]
pub fn CleanupSettingsPage(path: String) -> impl IntoView {
    let save = ServerAction::<SaveCleanupPolicy>::new();
    // Loaded once: re-loading after a save (even a refused one) would reset the form's edits.
    let data = Resource::new(move || path.clone(), cleanup_settings);
    view! {
        <Transition fallback=|| view! { <MainSidebar/><main class="content">"Loading…"</main> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(s) => view! { <CleanupForm settings=s save/> }.into_any(),
                    Err(e) => page_error(e),
                }
            })}
        </Transition>
    }
}

/// Which field an error message is about (messages start with the field's label).
fn field_of_error(message: &str) -> Option<&'static str> {
    [
        ("Remove tags matching:", "name_regex"),
        ("Keep tags matching:", "name_regex_keep"),
        ("Keep the most recent:", "keep_n"),
        ("Remove tags older than:", "older_than"),
        ("Run cleanup:", "cadence"),
    ]
    .into_iter()
    .find(|(label, _)| message.starts_with(label))
    .map(|(_, field)| field)
}

/// The policy form: a real form (it saves without JavaScript too, the page then shows the
/// saved policy and "Cleanup policy saved."); with JavaScript every change also updates the
/// preview below it.
#[component]
fn CleanupForm(settings: CleanupSettingsData, save: ServerAction<SaveCleanupPolicy>) -> impl IntoView {
    let project_path = settings.nav.full_path.clone();
    let fields = RwSignal::new(settings.fields.clone());
    let preview_path = project_path.clone();
    let preview = Resource::new(move || fields.get(), move |f: PolicyFields| preview_cleanup_policy(preview_path.clone(), f));
    let set = move |apply: fn(&mut PolicyFields, String)| move |ev: leptos::ev::Event| fields.update(|f| apply(f, event_target_value(&ev)));
    let saved_before = settings.saved;
    let error_text = move || match save.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    let invalid = move |field: &'static str| move || error_text().is_some_and(|m| field_of_error(&m) == Some(field)).then_some("true");
    let f0 = settings.fields.clone();
    view! {
        <PageTitle text=format!("Packages and registries · {} · Berth", settings.nav.name)/>
        <ProjectSidebar nav=settings.nav.clone()/>
        <main class="content" id="content">
            <h1>"Packages and registries"</h1>
            <section class="card">
                <h2>"Cleanup policy"</h2>
                <p class="muted">"Tags matching these rules are deleted on the schedule. Deleted tags cannot be restored. The tag "
                    <code>"latest"</code>" is always kept."</p>
                {settings.next_run_at.map(|t| view! { <p data-testid="next-run">"Next cleanup: " {format_datetime(t)}</p> })}
                <ActionForm action=save attr:class="stack" attr:data-testid="cleanup-form">
                    <input type="hidden" name="path" value=project_path.clone()/>
                    <label>
                        <input type="checkbox" name="fields[enabled]" value="on" data-testid="cleanup-enabled" checked=f0.enabled
                            on:change=move |ev| { let on = event_target_checked(&ev); fields.update(|f| f.enabled = on) }/>
                        " Enabled"
                    </label>
                    <label for="cleanup-cadence">"Run cleanup"</label>
                    <select id="cleanup-cadence" name="fields[cadence]" on:change=set(|f, v| f.cadence = v)>
                        {settings.cadences.iter().map(|(v, l)| view! { <option value=v.clone() selected=*v == f0.cadence>{l.clone()}</option> }).collect_view()}
                    </select>
                    <label for="cleanup-keep-n">"Keep the most recent"</label>
                    <select id="cleanup-keep-n" name="fields[keep_n]" on:change=set(|f, v| f.keep_n = v)>
                        {settings.keep_n.iter().map(|n| {
                            let v = n.to_string();
                            let label = format!("{n} {}", if *n == 1 { "tag per image name" } else { "tags per image name" });
                            view! { <option value=v.clone() selected=v == f0.keep_n>{label}</option> }
                        }).collect_view()}
                        <option value="" selected=f0.keep_n.is_empty()>"None (no minimum)"</option>
                    </select>
                    <label for="cleanup-older-than">"Remove tags older than"</label>
                    <select id="cleanup-older-than" name="fields[older_than]" on:change=set(|f, v| f.older_than = v)>
                        {settings.older_than.iter().map(|(v, l)| view! { <option value=v.clone() selected=*v == f0.older_than>{l.clone()}</option> }).collect_view()}
                        <option value="" selected=f0.older_than.is_empty()>"Any age"</option>
                    </select>
                    <label for="cleanup-remove-regex">"Remove tags matching (RE2, whole name)"</label>
                    <input id="cleanup-remove-regex" name="fields[name_regex]" maxlength="255" value=f0.name_regex.clone()
                        aria-invalid=invalid("name_regex") on:input=set(|f, v| f.name_regex = v)/>
                    <label for="cleanup-keep-regex">"Keep tags matching (RE2, whole name; wins over removal)"</label>
                    <input id="cleanup-keep-regex" name="fields[name_regex_keep]" maxlength="255" value=f0.name_regex_keep.clone()
                        aria-invalid=invalid("name_regex_keep") on:input=set(|f, v| f.name_regex_keep = v)/>
                    <button type="submit" class="primary">"Save cleanup policy"</button>
                </ActionForm>
                {move || match save.value().get() {
                    Some(Ok(())) => Some(view! { <p class="success" role="status" data-testid="cleanup-saved">"Cleanup policy saved."</p> }.into_any()),
                    Some(Err(e)) => Some(view! { <p class="error" role="alert" data-testid="cleanup-error">{e.to_string()}</p> }.into_any()),
                    None => saved_before.then(|| view! { <p class="success" role="status" data-testid="cleanup-saved">"Cleanup policy saved."</p> }.into_any()),
                }}
            </section>
            <section class="card" aria-live="polite">
                <h2>"Preview: what this policy would delete now"</h2>
                <Transition fallback=|| view! { <p class="muted">"Computing…"</p> }>
                    {move || Suspend::new(async move {
                        match preview.await {
                            Err(e) => view! { <p class="error" role="alert" data-testid="preview-error">{e.to_string()}</p> }.into_any(),
                            Ok(rows) => preview_table(rows).into_any(),
                        }
                    })}
                </Transition>
            </section>
        </main>
    }
}

fn preview_table(rows: Vec<crate::server_fns::cleanup::PreviewRow>) -> impl IntoView {
    let total_tags: usize = rows.iter().map(|r| r.tags.len()).sum();
    let total_bytes: i64 = rows.iter().map(|r| r.bytes_freed).sum();
    view! {
        <p data-testid="preview-summary">{format!("{total_tags} {} would be deleted, freeing up to {}", if total_tags == 1 { "tag" } else { "tags" }, format_bytes(total_bytes))}</p>
        <div class="table-scroll"><table class="table" data-testid="preview">
            <thead><tr><th>"Image repository"</th><th>"Tags that would be deleted"</th><th>"Freed"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|r| view! {
                    <tr data-testid="preview-row" data-path=r.path.clone()>
                        <td>{r.path.clone()}</td>
                        <td data-testid="preview-tags">{if r.tags.is_empty() { "none".to_string() } else { r.tags.join(", ") }}</td>
                        <td>{format_bytes(r.bytes_freed)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table></div>
    }
}

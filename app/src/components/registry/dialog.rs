//! A modal confirmation dialog: a labelled region that takes focus, closes with Escape or
//! Cancel, and names exactly what the action will remove.

use leptos::prelude::*;

#[component]
pub fn ConfirmDialog(
    /// The heading, e.g. "Remove tag" or "Remove 2 tags".
    title: String,
    /// Closes the dialog.
    on_cancel: Callback<()>,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = dialog.get() {
            let _ = el.focus();
        }
    });
    view! {
        <div class="dialog-backdrop">
            <div
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby="dialog-title"
                tabindex="-1"
                node_ref=dialog
                data-testid="confirm-dialog"
                on:keydown=move |ev| if ev.key() == "Escape" { on_cancel.run(()) }
            >
                <h2 id="dialog-title">{title}</h2>
                {children()}
            </div>
        </div>
    }
}

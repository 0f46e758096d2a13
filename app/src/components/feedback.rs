//! How outcomes look: a failed action's reason inline, a failed page load as the not-found
//! page (or sign-in), a copyable secret.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::components::sidebar::MainSidebar;
use crate::error::AppError;
use crate::pages::not_found::NotFound;

/// The inline message of a failed action; nothing while it has not failed.
pub fn action_error<T: 'static>(value: Option<Result<T, AppError>>) -> Option<impl IntoView> {
    match value {
        Some(Err(e)) => Some(view! { <p class="error" role="alert">{e.to_string()}</p> }),
        _ => None,
    }
}

/// What a page shows when its data could not be loaded.
pub fn page_error(e: AppError) -> AnyView {
    match e {
        AppError::NotFound | AppError::Forbidden => view! { <NotFound/> }.into_any(),
        AppError::Unauthenticated => view! { <Redirect path="/users/sign_in"/> }.into_any(),
        other => view! {
            <MainSidebar/>
            <main class="content" id="content"><p class="error" role="alert">{other.to_string()}</p></main>
        }
        .into_any(),
    }
}

/// A read-only field with a copy button.
#[component]
pub fn CopyField(value: String, label: &'static str, #[prop(optional)] testid: &'static str) -> impl IntoView {
    let copied = RwSignal::new(false);
    let text = value.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let clipboard = window().navigator().clipboard();
            let _ = clipboard.write_text(&text);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
        copied.set(true);
    };
    view! {
        <div class="copy-field">
            <input type="text" readonly value=value aria-label=label data-testid=testid/>
            <button type="button" class="needs-js" on:click=copy>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
        </div>
    }
}

/// A small copy button for a value shown elsewhere in the row (names the value for screen
/// readers; the full value is also its tooltip).
#[component]
pub fn CopyButton(value: String, label: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let text = value.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let _ = window().navigator().clipboard().write_text(&text);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
        copied.set(true);
    };
    view! {
        <button type="button" class="copy-button needs-js" title=value.clone() aria-label=label data-copy=value on:click=copy>
            {move || if copied.get() { "Copied" } else { "Copy" }}
        </button>
    }
}

/// `<option>`s of the three visibility levels.
pub fn visibility_options(selected: &'static str) -> impl IntoView {
    [("private", "Private"), ("internal", "Internal"), ("public", "Public")]
        .into_iter()
        .map(|(v, label)| view! { <option value=v selected=v == selected>{label}</option> })
        .collect_view()
}

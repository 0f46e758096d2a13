//! The frame of every page: the top bar with the signed-in user, then the page (its own
//! sidebar and content).

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::server_fns::auth::{current_user, SignOut};

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let location = use_location();
    // Refetched on every navigation, so signing in or out shows at once.
    let user = Resource::new(move || location.pathname.get(), |_| current_user());
    let sign_out = ServerAction::<SignOut>::new();
    // Phones: the page's sidebar opens from the menu button (a checkbox, so it works before
    // and without the WebAssembly); following a link closes it again.
    let menu_open = RwSignal::new(false);
    Effect::new(move |_| {
        location.pathname.track();
        menu_open.set(false);
    });
    view! {
        <input type="checkbox" id="sidebar-toggle" class="sidebar-toggle" aria-hidden="true" tabindex="-1"
            prop:checked=move || menu_open.get() on:change=move |ev| menu_open.set(event_target_checked(&ev))/>
        <header class="topbar">
            <label for="sidebar-toggle" class="menu-button" aria-label="Menu" title="Menu">"☰"</label>
            <a class="brand" href="/">
                <img src="/logo.svg" alt="" width="24" height="24"/>
                <span>"Berth"</span>
            </a>
            <nav class="topbar-actions" aria-label="Account">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match user.await {
                            Ok(Some(u)) => view! {
                                {u.is_admin.then(|| view! { <a href="/admin/users">"Admin"</a> })}
                                <a href="/dashboard">"Dashboard"</a>
                                <a href="/-/user_settings/personal_access_tokens">"Access tokens"</a>
                                <span class="whoami" data-testid="current-user" title=u.name.clone()>{u.username.clone()}</span>
                                <ActionForm action=sign_out attr:class="inline">
                                    <button type="submit" class="link-button">"Sign out"</button>
                                </ActionForm>
                            }.into_any(),
                            _ => view! { <a href="/users/sign_in">"Sign in"</a> }.into_any(),
                        }
                    })}
                </Transition>
            </nav>
        </header>
        <div class="frame">{children()}</div>
    }
}

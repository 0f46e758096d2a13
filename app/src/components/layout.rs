//! The frame of every page: top bar, left sidebar, content.

use leptos::prelude::*;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    // Marks the document once the WebAssembly has taken over, so tests (and people
    // debugging) can tell a hydrated page from a server-rendered one.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                <img src="/logo.svg" alt="" width="24" height="24"/>
                <span>"Berth"</span>
            </a>
            <nav class="topbar-actions" aria-label="Account">
                <a href="/users/sign_in">"Sign in"</a>
            </nav>
        </header>
        <div class="frame">
            <nav class="sidebar" aria-label="Main">
                <ul>
                    <li><a href="/">"Home"</a></li>
                    <li><a href="/explore">"Explore"</a></li>
                </ul>
            </nav>
            <main class="content" id="content">{children()}</main>
        </div>
    }
}

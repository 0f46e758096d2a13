//! The frame of every page: top bar, left sidebar, content.

use leptos::prelude::*;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
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

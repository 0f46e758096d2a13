use crate::components::page_title::PageTitle;
use leptos::prelude::*;

use crate::components::sidebar::MainSidebar;

/// The page for unknown and invisible URLs; answers with HTTP 404 on the server.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http_status_not_found());
        }
    }
    view! {
        <PageTitle text="Not found · Berth"/>
        <MainSidebar/>
        <main class="content" id="content">
        <section class="empty-state">
            <h1>"404: Page not found"</h1>
            <p>"The page you were looking for does not exist, or you do not have access to it."</p>
            <p><a href="/">"Back to Berth"</a></p>
        </section>
        </main>
    }
}

#[cfg(feature = "ssr")]
fn http_status_not_found() -> http::StatusCode {
    http::StatusCode::NOT_FOUND
}

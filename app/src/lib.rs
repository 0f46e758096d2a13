#![recursion_limit = "256"]
//! Berth's web UI. Rendered on the server first (every page works before the WebAssembly
//! loads), then hydrated in the browser by the `berth-frontend` crate.

pub mod components;
pub mod dates;
pub mod error;
pub mod pages;
pub mod roles;
pub mod security;
pub mod server_fns;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, StaticSegment, WildcardSegment};

use components::layout::Layout;
use pages::admin::registry::AdminRegistryPage;
use pages::admin::users::AdminUsersPage;
use pages::dashboard::index::DashboardPage;
use pages::dispatch::{GroupRoutes, ProjectRoutes};
use pages::groups::new::NewGroupPage;
use pages::home::HomePage;
use pages::not_found::NotFound;
use pages::projects::new::NewProjectPage;
use pages::user_settings::access_tokens::AccessTokensPage;
use pages::users::sign_in::SignInPage;

/// The output name cargo-leptos gives the WASM, JS and CSS bundles (`/pkg/berth.*`).
pub const OUTPUT_NAME: &str = "berth";
/// The URL prefix of the bundles and of the files from `public/`.
pub const SITE_PKG_DIR: &str = "pkg";

/// The HTML document around every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    security::set_page_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" href="/pkg/berth.css"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Every page that loads data renders with `SsrMode::Async`: the server waits for the data
/// before answering, so a page can still choose its status (404 for what the viewer may not
/// see) and redirect (to sign in).
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let ssr = SsrMode::Async;
    view! {
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view=HomePage ssr=ssr.clone()/>
                    <Route path=(StaticSegment("users"), StaticSegment("sign_in")) view=SignInPage ssr=ssr.clone()/>
                    <Route path=StaticSegment("dashboard") view=DashboardPage ssr=ssr.clone()/>
                    <Route path=(StaticSegment("groups"), StaticSegment("new")) view=NewGroupPage ssr=ssr.clone()/>
                    <Route path=(StaticSegment("projects"), StaticSegment("new")) view=NewProjectPage ssr=ssr.clone()/>
                    <Route
                        path=(StaticSegment("-"), StaticSegment("user_settings"), StaticSegment("personal_access_tokens"))
                        view=AccessTokensPage
                        ssr=ssr.clone()
                    />
                    <Route path=(StaticSegment("admin"), StaticSegment("users")) view=AdminUsersPage ssr=ssr.clone()/>
                    <Route path=(StaticSegment("admin"), StaticSegment("registry")) view=AdminRegistryPage ssr=ssr.clone()/>
                    <Route path=(StaticSegment("groups"), WildcardSegment("path")) view=GroupRoutes ssr=ssr.clone()/>
                    // Served through the server's fallback (after its static files), see server/src/router.rs.
                    <Route path=WildcardSegment("path") view=ProjectRoutes ssr=ssr.clone()/>
                </Routes>
            </Layout>
        </Router>
    }
}

//! Berth's web UI. Rendered on the server first (every page works before the WebAssembly
//! loads), then hydrated in the browser by the `berth-frontend` crate.

pub mod components;
pub mod pages;
pub mod server_fns;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::StaticSegment;

use components::layout::Layout;
use pages::home::HomePage;
use pages::not_found::NotFound;

/// The output name cargo-leptos gives the WASM, JS and CSS bundles (`/pkg/berth.*`).
pub const OUTPUT_NAME: &str = "berth";
/// The URL prefix of the bundles and of the files from `public/`.
pub const SITE_PKG_DIR: &str = "pkg";

/// The HTML document around every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
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

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view=HomePage/>
                </Routes>
            </Layout>
        </Router>
    }
}

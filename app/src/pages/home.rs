//! The home page: what Berth is and how to push a first image.

use crate::components::page_title::PageTitle;
use leptos::prelude::*;

use crate::components::sidebar::MainSidebar;
use crate::server_fns::site::get_site_info;

/// The registry clients whose commands the quick start can show.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Client {
    Docker,
    Podman,
}

impl Client {
    fn command(self) -> &'static str {
        match self {
            Client::Docker => "docker",
            Client::Podman => "podman",
        }
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let info = Resource::new(|| (), |_| get_site_info());
    let client = RwSignal::new(Client::Docker);
    let tab = move |which: Client, label: &'static str| {
        view! {
            <button
                type="button"
                role="tab"
                class="tab"
                aria-selected=move || (client.get() == which).to_string()
                on:click=move |_| client.set(which)
            >
                {label}
            </button>
        }
    };
    view! {
        <PageTitle text="Berth"/>
        <MainSidebar/>
        <main class="content" id="content">
        <section class="hero">
            <h1>"Welcome to Berth"</h1>
            <p class="lead">
                "A container image registry for your groups and projects: push with any OCI client, "
                "browse and clean up in the browser."
            </p>
        </section>
        <section class="card" aria-labelledby="quick-start">
            <h2 id="quick-start">"Quick start"</h2>
            <div role="tablist" aria-label="Registry client" class="tabs">
                {tab(Client::Docker, "Docker")}
                {tab(Client::Podman, "Podman")}
            </div>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || info.get().map(|result| match result {
                    Ok(info) => {
                        let host = info.registry_host;
                        view! {
                            <pre class="cli" data-testid="quick-start-commands"><code>
                                {move || {
                                    let cmd = client.get().command();
                                    format!(
                                        "{cmd} login {host}\n{cmd} build -t {host}/<group>/<project> .\n{cmd} push {host}/<group>/<project>"
                                    )
                                }}
                            </code></pre>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error">{format!("Could not load site information: {e}")}</p> }.into_any(),
                })}
            </Suspense>
        </section>
        </main>
    }
}

use crate::components::page_title::PageTitle;
use leptos::prelude::*;

use crate::components::feedback::{page_error, CopyField};
use crate::components::sidebar::{MainSidebar, ProjectSidebar};
use crate::server_fns::projects::project_page;

#[component]
pub fn ProjectPage(path: String) -> impl IntoView {
    let data = Resource::new(move || path.clone(), project_page);
    view! {
        <Suspense fallback=|| view! { <MainSidebar/><main class="content">"Loading…"</main> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(p) => {
                        let registry = p.nav.registry_enabled.then(|| {
                            let path = p.nav.full_path.clone();
                            view! {
                                <section class="card">
                                    <h2>"Container images"</h2>
                                    <p>"Push images to this project with:"</p>
                                    <CopyField value=p.image_path.clone() label="Image path" testid="image-path"/>
                                    <p><a href=format!("/{path}/container_registry")>"Open the Container Registry"</a></p>
                                </section>
                            }
                        });
                        view! {
                            <PageTitle text=format!("{} · Berth", p.nav.name)/>
                            <ProjectSidebar nav=p.nav.clone()/>
                            <main class="content" id="content">
                                <h1>{p.nav.name.clone()}</h1>
                                <p class="muted">
                                    {p.nav.full_path.clone()} " · " <span class="badge">{p.visibility.clone()}</span>
                                    {p.role.clone().map(|r| view! { " · your role: " <strong>{r}</strong> })}
                                </p>
                                {registry}
                            </main>
                        }.into_any()
                    }
                    Err(e) => page_error(e),
                }
            })}
        </Suspense>
    }
}

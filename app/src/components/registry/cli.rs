//! The "CLI commands" menu and the empty state's instructions: how to log in, build and push
//! to this project, with this instance's host.

use leptos::prelude::*;

use crate::components::feedback::CopyField;

fn commands(host: &str, project_path: &str) -> [(String, &'static str, &'static str); 3] {
    [
        (format!("docker login {host}"), "Login command", "cli-login"),
        (format!("docker build -t {host}/{project_path} ."), "Build command", "cli-build"),
        (format!("docker push {host}/{project_path}"), "Push command", "cli-push"),
    ]
}

fn command_fields(host: &str, project_path: &str) -> impl IntoView {
    commands(host, project_path).into_iter().map(|(cmd, label, testid)| view! { <CopyField value=cmd label testid/> }).collect_view()
}

/// A disclosure menu (works without JavaScript).
#[component]
pub fn CliCommands(host: String, project_path: String) -> impl IntoView {
    view! {
        <details class="menu">
            <summary class="button">"CLI commands"</summary>
            <div class="menu-body" data-testid="cli-commands">
                <p class="muted">"Log in, build an image and push it to this project:"</p>
                {command_fields(&host, &project_path)}
            </div>
        </details>
    }
}

/// What an empty registry shows.
#[component]
pub fn EmptyRegistry(host: String, project_path: String) -> impl IntoView {
    view! {
        <section class="card empty-state" data-testid="registry-empty">
            <h2>"There are no container images stored for this project"</h2>
            <p class="muted">"With the Container Registry, every project can have its own space to store its images. Push one with:"</p>
            <div class="stack wide">{command_fields(&host, &project_path)}</div>
        </section>
    }
}

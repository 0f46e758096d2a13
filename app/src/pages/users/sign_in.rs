use crate::components::page_title::PageTitle;
use leptos::prelude::*;

use crate::components::feedback::action_error;
use crate::components::sidebar::MainSidebar;
use crate::server_fns::auth::SignIn;

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    view! {
        <PageTitle text="Sign in · Berth"/>
        <MainSidebar/>
        <main class="content" id="content">
            <section class="card narrow">
                <h1>"Sign in"</h1>
                <ActionForm action=action attr:class="stack">
                    <label for="username">"Username"</label>
                    <input id="username" name="username" autocomplete="username" required/>
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required/>
                    <button type="submit" class="primary">"Sign in"</button>
                </ActionForm>
                {move || action_error(action.value().get())}
            </section>
        </main>
    }
}

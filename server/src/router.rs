//! Composes the one port: internal endpoints, `/v2/`, `/jwt/auth`, `/api/v4/` and the UI.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use berth_app::server_fns::site::SiteContext;
use berth_app::{shell, App};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};

use crate::state::AppState;
use crate::{assets, health, metrics, telemetry, token_service};

pub fn build(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let site = SiteContext { registry_host: state.config.registry_host() };
    let context = move || provide_context(site.clone());
    let options = state.leptos_options.clone();

    let ui = Router::<AppState>::new()
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(fallback);

    let router = Router::new()
        .route("/-/health", get(health::health))
        .route("/-/ready", get(health::ready))
        .route("/metrics", get(metrics::render))
        .route("/jwt/auth", get(token_service::auth))
        .merge(ui)
        .with_state(state.clone())
        .merge(state.registry.router())
        .layer(axum::middleware::from_fn(metrics::record));
    telemetry::layer(router)
}

/// Embedded static files first; anything else is rendered by the app, whose router shows the
/// not-found page with status 404.
async fn fallback(State(state): State<AppState>, request: Request<Body>) -> Response {
    if let Some(file) = assets::embedded(request.uri()) {
        return file;
    }
    let site = SiteContext { registry_host: state.config.registry_host() };
    let options = state.leptos_options.clone();
    let handler = leptos_axum::render_app_to_stream_with_context(
        move || provide_context(site.clone()),
        move || shell(options.clone()),
    );
    handler(request).await.into_response()
}

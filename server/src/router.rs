//! Composes the one port: internal endpoints, `/v2/`, `/jwt/auth`, `/api/v4/` and the UI.

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use berth_app::server_fns::ctx::ServerContext;
use berth_app::server_fns::site::SiteContext;
use berth_app::{shell, App};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};

use crate::state::AppState;
use crate::{assets, health, metrics, security_headers, server_fn_status, telemetry, token_service};

pub fn build(state: AppState) -> Router {
    // The catch-all route (`/<full path of a project>`) is left to the fallback below, which
    // serves the embedded static files first.
    let routes: Vec<_> =
        generate_route_list(App).into_iter().filter(|r| !(r.path().starts_with("/{*") || r.path().starts_with("/*"))).collect();
    let site = SiteContext { registry_host: state.config.registry_host() };
    let server = ServerContext {
        db: state.db.clone(),
        // One throttle for web sign-in and registry logins, so guesses cannot alternate
        // between the two to double their budget.
        throttle: state.login_throttle.clone(),
        registry: state.registry.clone(),
        external_url: state.config.external_url(),
    };
    let context = move || {
        provide_context(site.clone());
        provide_context(server.clone());
    };
    let options = state.leptos_options.clone();

    let ui = Router::<AppState>::new()
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback({
            let context = context.clone();
            move |request: Request<Body>| fallback(request, context.clone(), options.clone())
        });

    let router = Router::new()
        .route("/-/health", get(health::health))
        .route("/-/ready", get(health::ready))
        .route("/-/jwks.json", get(health::jwks))
        .route("/metrics", get(metrics::render))
        .route("/jwt/auth", get(token_service::auth))
        .merge(ui.layer(axum::middleware::from_fn(server_fn_status::refine)))
        .with_state(state.clone())
        .merge(state.registry.router())
        .merge(berth_rest::router(rest_state(&state)))
        .layer(axum::middleware::from_fn(security_headers::add))
        .layer(axum::middleware::from_fn(metrics::record));
    telemetry::layer(router)
}

/// What the REST API and the repository deletion worker work with.
pub fn rest_state(state: &AppState) -> berth_rest::RestState {
    berth_rest::RestState::new(state.db.clone(), state.registry.clone(), state.config.external_url(), state.config.registry_host())
        // The same failed-login budget as web sign-in and /jwt/auth.
        .with_login_throttle(state.login_throttle.clone())
}

/// Embedded static files first; anything else is rendered by the app (data loaded before the
/// answer, so the not-found page gets its status 404).
async fn fallback(
    request: Request<Body>,
    context: impl Fn() + Clone + Send + Sync + 'static,
    options: leptos::prelude::LeptosOptions,
) -> Response {
    if let Some(file) = assets::embedded(request.uri()) {
        return file;
    }
    let handler = leptos_axum::render_app_async_with_context(context, move || shell(options.clone()));
    handler(request).await.into_response()
}

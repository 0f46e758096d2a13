//! Berth's REST API under `/api/v4/`, shaped like GitLab's so that python-gitlab and other
//! GitLab clients work: the container registry endpoints, and the projects, groups, members,
//! users and tokens needed to set a scenario up. Handlers are thin: they authenticate
//! ([`auth::Caller`]), ask `berth_platform::permissions::can`, and call the platform and
//! registry services.
//!
//! ```ignore
//! let rest = berth_rest::RestState::new(db, registry, "https://berth.example", "berth.example");
//! let app = axum::Router::new().merge(berth_rest::router(rest));
//! ```

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{any, get, post, put};
use axum::{Json, Router};
use berth_platform::registry_auth::LoginThrottle;

pub mod auth;
mod cleanup_preview;
pub mod error;
mod lifecycle;
mod members;
pub mod openapi;
mod pagination;
pub mod params;
pub mod policy;
mod projects;
pub mod registry_api;
mod resolve;
pub mod time;
mod users;

/// What the REST handlers need. Cheap to clone.
#[derive(Clone)]
pub struct RestState {
    pub db: berth_db::Db,
    pub registry: berth_registry::Registry,
    /// Base URL of the instance (`https://berth.example`), for links and `web_url`.
    pub external_url: String,
    /// Host (and port) images are addressed by (`berth.example`), for `location`.
    pub registry_host: String,
    /// Failed credential checks per client address; the server shares one with web sign-in
    /// and `/jwt/auth` ([`RestState::with_login_throttle`]).
    pub login_throttle: Arc<LoginThrottle>,
}

impl RestState {
    pub fn new(
        db: berth_db::Db,
        registry: berth_registry::Registry,
        external_url: impl Into<String>,
        registry_host: impl Into<String>,
    ) -> RestState {
        RestState {
            login_throttle: Arc::new(LoginThrottle::new(db.clone())),
            db,
            registry,
            external_url: external_url.into(),
            registry_host: registry_host.into(),
        }
    }

    /// Uses the given throttle (the server's shared one) for credential checks.
    pub fn with_login_throttle(mut self, throttle: Arc<LoginThrottle>) -> RestState {
        self.login_throttle = throttle;
        self
    }

    /// Works off pending deletions now, in the background (the job loop would within a
    /// minute); errors are logged and the job loop retries.
    pub fn nudge_deletion_work(&self) {
        berth_platform::background::start_deletion_work(self.db.clone(), self.registry.clone());
    }
}

/// Every `/api/v4/` route, state applied: `.merge()` it into the server's router.
pub fn router(state: RestState) -> Router {
    use lifecycle as l;
    use members as m;
    use projects as p;
    use registry_api as r;
    use users as u;
    Router::new()
        .route("/api/v4/openapi.json", get(openapi::serve))
        // Container registry
        .route("/api/v4/projects/{id}/registry/repositories", get(r::list_project_repositories))
        .route("/api/v4/groups/{id}/registry/repositories", get(r::list_group_repositories))
        .route("/api/v4/registry/repositories/{id}", get(r::get_repository))
        .route("/api/v4/projects/{id}/registry/repositories/{repository_id}", axum::routing::delete(r::delete_repository))
        .route("/api/v4/projects/{id}/registry/repositories/{repository_id}/tags", get(r::list_tags).delete(r::bulk_delete_tags))
        .route("/api/v4/projects/{id}/registry/repositories/{repository_id}/tags/{tag_name}", get(r::get_tag).delete(r::delete_tag))
        .route("/api/v4/projects/{id}/registry/cleanup_policy/preview", get(cleanup_preview::preview).post(cleanup_preview::preview_posted))
        // Projects and groups
        .route("/api/v4/projects", get(p::list_projects).post(p::create_project_handler))
        .route("/api/v4/projects/{id}", get(p::get_project).put(p::update_project).delete(l::delete_project_handler))
        .route("/api/v4/projects/{id}/transfer", put(l::transfer_project_handler))
        .route("/api/v4/groups", get(p::list_groups).post(p::create_group_handler))
        .route("/api/v4/groups/{id}", get(p::get_group).put(l::update_group_handler).delete(l::delete_group_handler))
        .route("/api/v4/groups/{id}/transfer", post(l::transfer_group_handler))
        // Members
        .route("/api/v4/projects/{id}/members", get(m::list).post(m::add))
        .route("/api/v4/projects/{id}/members/{user_id}", get(m::get).put(m::update).delete(m::remove))
        .route("/api/v4/groups/{id}/members", get(m::list).post(m::add))
        .route("/api/v4/groups/{id}/members/{user_id}", get(m::get).put(m::update).delete(m::remove))
        // Users and tokens
        .route("/api/v4/user", get(u::current_user))
        .route("/api/v4/users", get(u::list_users).post(u::create_user_handler))
        .route("/api/v4/users/{id}", get(u::get_user))
        .route("/api/v4/users/{id}/personal_access_tokens", post(u::create_pat))
        .route("/api/v4/personal_access_tokens", get(u::list_pats))
        .route("/api/v4/personal_access_tokens/{id}", axum::routing::delete(u::revoke_pat))
        .route("/api/v4/projects/{id}/deploy_tokens", get(u::list_deploy).post(u::create_deploy))
        .route("/api/v4/projects/{id}/deploy_tokens/{token_id}", axum::routing::delete(u::revoke_deploy))
        .route("/api/v4/groups/{id}/deploy_tokens", get(u::list_deploy).post(u::create_deploy))
        .route("/api/v4/groups/{id}/deploy_tokens/{token_id}", axum::routing::delete(u::revoke_deploy))
        .route("/api/v4", any(not_found))
        .route("/api/v4/", any(not_found))
        .route("/api/v4/{*rest}", any(not_found))
        .with_state(state)
}

async fn not_found() -> impl IntoResponse {
    (StatusCode::NOT_FOUND, Json(serde_json::json!({ "error": "404 Not Found" })))
}

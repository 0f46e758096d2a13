//! Berth's platform: who people are and what they may do. The registry engine knows nothing
//! of this; it trusts the access claims of tokens the platform signs.
//!
//! Layout: `model` (roles, visibility, scopes), `paths` (name rules), `permissions` (the one
//! pure permission function), `secrets` (token secrets), `repo` (all SQL), the services
//! (`accounts`, `users`, `namespaces`, `projects`, `members`, `tokens`) and `registry_auth`
//! (credentials and registry grants for the token service), `container_registry` (what the UI
//! and the REST API do with image repositories: listing, deletion, tag rules),
//! `project_lifecycle` and `group_lifecycle` (rename, transfer, move, delete) and `background`
//! (the deletion work the server's job loop runs).

pub mod accounts;
pub mod background;
pub mod container_registry;
pub mod error;
pub mod front_door;
pub mod group_lifecycle;
pub mod listing;
pub mod members;
pub mod model;
pub mod namespaces;
pub mod passwords;
pub mod paths;
pub mod permissions;
pub mod project_lifecycle;
pub mod projects;
pub mod registry_auth;
pub mod repo;
pub mod secrets;
pub mod sessions;
pub mod tokens;
pub mod users;

pub use error::PlatformError;

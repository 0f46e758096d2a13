//! Who is asking, on the server: the session cookie, the CSRF check and the services.
//!
//! CSRF: every server function call that arrives as a POST must come from a page of this
//! site. Browsers tell us with `Sec-Fetch-Site: same-origin` (all current browsers send it);
//! where it is missing, the `Origin` header must be this site's own origin (the configured
//! external URL, or the request's `Host`). A POST with neither is refused. Together with the
//! `SameSite=Lax` session cookie this stops other sites from submitting forms on the user's
//! behalf, without a token in every form (so forms keep working before the WebAssembly loads).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::ConnectInfo;
use berth_db::Db;
use berth_platform::accounts::User;
use berth_platform::registry_auth::LoginThrottle;
use http::request::Parts;
use http::{header, HeaderMap, Method};
use leptos::prelude::*;

use crate::error::AppError;

/// The name of the session cookie.
pub use berth_platform::sessions::SESSION_COOKIE;

/// What the server functions need from the server, given as a context by its router.
#[derive(Clone)]
pub struct ServerContext {
    pub db: Db,
    pub throttle: Arc<LoginThrottle>,
    /// The registry engine, for deleting tags and repositories through its service.
    pub registry: berth_registry::Registry,
    /// `scheme://host[:port]`, no trailing slash.
    pub external_url: String,
}

impl ServerContext {
    pub fn secure_cookies(&self) -> bool {
        self.external_url.starts_with("https://")
    }
}

/// One call's view of the world.
pub struct Ctx {
    pub server: ServerContext,
    pub user: Option<User>,
    pub session_secret: Option<String>,
    pub client_ip: IpAddr,
}

impl Ctx {
    pub fn db(&self) -> &Db {
        &self.server.db
    }

    /// The signed-in user, or `Unauthenticated`.
    pub fn require_user(&self) -> Result<&User, AppError> {
        self.user.as_ref().ok_or(AppError::Unauthenticated)
    }

    pub fn require_admin(&self) -> Result<&User, AppError> {
        let user = self.require_user()?;
        if user.is_admin {
            Ok(user)
        } else {
            // Non-admins do not learn that the admin area exists.
            Err(AppError::NotFound)
        }
    }
}

/// Resolves the caller of the current page render or server function call, and checks a
/// POST's origin (see the module documentation).
pub async fn ctx() -> Result<Ctx, AppError> {
    let server = use_context::<ServerContext>().ok_or_else(|| {
        tracing::error!("the server did not provide ServerContext");
        AppError::Internal
    })?;
    let parts = use_context::<Parts>().ok_or_else(|| {
        tracing::error!("no request parts in a server function");
        AppError::Internal
    })?;
    if parts.method == Method::POST {
        check_same_origin(&parts.headers, &server.external_url)?;
    }
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let client_ip = server.throttle.client_address(peer, parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()));
    let session_secret = session_cookie(&parts.headers);
    let user = match &session_secret {
        Some(secret) => berth_platform::sessions::session_user(&server.db, secret).await?,
        None => None,
    };
    Ok(Ctx { server, user, session_secret, client_ip })
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    berth_platform::front_door::session_cookie::session_secret(headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()))
}

/// The CSRF rule for POSTs: the platform's one rule (module documentation).
pub fn check_same_origin(headers: &HeaderMap, external_url: &str) -> Result<(), AppError> {
    use berth_platform::front_door::csrf::{check_same_origin, OriginHeaders};
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let seen = OriginHeaders { sec_fetch_site: get("sec-fetch-site"), origin: get("origin"), host: get("host") };
    check_same_origin(seen, external_url).map_err(|refused| csrf_refused(&refused.to_string()))
}

fn csrf_refused(why: &str) -> AppError {
    tracing::warn!(why, "refused a cross-site server function call");
    AppError::Forbidden
}

/// The `Set-Cookie` value that stores a session secret.
pub fn session_cookie_header(secret: &str, max_age_secs: i64, secure: bool) -> String {
    berth_platform::front_door::session_cookie::set_cookie_value(secret, max_age_secs, secure)
}

/// Adds a `Set-Cookie` header to the response of the current call.
pub fn set_cookie(value: &str) {
    if let (Some(res), Ok(value)) = (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(value)) {
        res.append_header(header::SET_COOKIE, value);
    }
}

use berth_platform::model::{Role, Visibility};
use berth_platform::namespaces::{Namespace, NamespaceKind};
use berth_platform::permissions::{can, Action, Actor};
use berth_platform::projects::Project;

/// A project the viewer may see, with their role on it.
pub struct ViewedProject {
    pub project: Project,
    pub role: Option<Role>,
    pub actor: Actor,
}

impl ViewedProject {
    pub fn can(&self, action: Action) -> bool {
        can(&self.actor, action, &berth_platform::projects::project_access(&self.project))
    }

    pub fn require(&self, action: Action) -> Result<(), AppError> {
        if self.can(action) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

impl Ctx {
    pub fn actor(&self, role: Option<Role>) -> Actor {
        match &self.user {
            None => Actor::Anonymous,
            Some(u) => Actor::User { admin: u.is_admin, role, scopes: None },
        }
    }

    /// The project at `full_path` if the viewer may see it; `NotFound` otherwise (whether it
    /// exists or not).
    pub async fn project(&self, full_path: &str) -> Result<ViewedProject, AppError> {
        let project = berth_platform::projects::find_project_by_path(self.db(), full_path).await?.ok_or(AppError::NotFound)?;
        let role = match &self.user {
            Some(u) => berth_platform::members::effective_project_role(self.db(), project.id, u.id).await?,
            None => None,
        };
        let viewed = ViewedProject { actor: self.actor(role), project, role };
        if !viewed.can(Action::ReadProject) {
            return Err(AppError::NotFound);
        }
        Ok(viewed)
    }

    /// The group at `full_path` if the viewer may see it (public; internal when signed in;
    /// private for members and administrators), with their role on it.
    pub async fn group(&self, full_path: &str) -> Result<(Namespace, Option<Role>), AppError> {
        let group = berth_platform::namespaces::find_namespace_by_path(self.db(), full_path)
            .await?
            .filter(|n| n.kind == NamespaceKind::Group)
            .ok_or(AppError::NotFound)?;
        let role = match &self.user {
            Some(u) => berth_platform::members::effective_group_role(self.db(), group.id, u.id).await?,
            None => None,
        };
        let admin = self.user.as_ref().is_some_and(|u| u.is_admin);
        let visible = match group.visibility {
            Visibility::Public => true,
            Visibility::Internal => self.user.is_some(),
            Visibility::Private => admin || role.is_some(),
        };
        if !visible {
            return Err(AppError::NotFound);
        }
        Ok((group, role))
    }

    /// Whether the viewer may manage a group's members (Maintainer+ or administrator), and
    /// grant or take away Owner (Owner or administrator).
    pub fn group_rights(&self, role: Option<Role>) -> (bool, bool) {
        let admin = self.user.as_ref().is_some_and(|u| u.is_admin);
        (admin || role >= Some(Role::Maintainer), admin || role >= Some(Role::Owner))
    }
}

pub fn visibility_name(v: Visibility) -> String {
    v.as_str().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn posts_must_come_from_this_site() {
        let ext = "https://berth.example";
        assert!(check_same_origin(&headers(&[("sec-fetch-site", "same-origin")]), ext).is_ok());
        assert!(check_same_origin(&headers(&[("sec-fetch-site", "cross-site"), ("origin", "https://berth.example")]), ext).is_err());
        assert!(check_same_origin(&headers(&[("sec-fetch-site", "same-site")]), ext).is_err());
        assert!(check_same_origin(&headers(&[("origin", "https://berth.example")]), ext).is_ok());
        assert!(check_same_origin(&headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]), ext).is_ok());
        assert!(check_same_origin(&headers(&[("origin", "https://evil.example"), ("host", "berth.example")]), ext).is_err());
        assert!(check_same_origin(&headers(&[]), ext).is_err());
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let h = headers(&[("cookie", "a=1; berth_session=bsess-xyz; b=2")]);
        assert_eq!(session_cookie(&h).as_deref(), Some("bsess-xyz"));
        assert_eq!(session_cookie(&headers(&[("cookie", "berth_session=")])), None);
        assert!(session_cookie_header("s", 10, true).contains("HttpOnly; SameSite=Lax; Max-Age=10; Secure"));
    }
}

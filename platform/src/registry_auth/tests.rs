//! Authentication and grants against a real database (SQLite, and PostgreSQL when configured).

use berth_db::{now_millis, Db};

use super::*;
use crate::accounts::{ensure_root, User, ROOT_USERNAME};
use crate::members::{set_member, MemberTarget};
use crate::model::{RegistryAccessLevel, Role, Scope, Scopes, Visibility};
use crate::namespaces::{create_group, NewGroup};
use crate::projects::{create_project, set_registry_access_level, NewProject, Project};
use crate::repo;
use crate::secrets::hash_secret;
use crate::tokens::{
    create_deploy_token, create_job_token, create_personal_access_token, ensure_root_token, revoke_deploy_token,
    revoke_personal_access_token, DeployTokenOwner,
};
use crate::users::{create_user, set_blocked, NewUser};

const PASSWORD: &str = "password123";

struct World {
    root: User,
    alice: User,
    dev: User,
    guest: User,
    outsider: User,
    app: Project,
    site: Project,
    acme_id: i64,
}

async fn user(db: &Db, name: &str) -> User {
    let email = format!("{name}@example.org");
    create_user(db, &NewUser { username: name, name: "", email: &email, password: PASSWORD, is_admin: false }).await.unwrap()
}

/// acme (private) ─ app (private, registry enabled); acme/tools (private) ─ cli;
/// pub (public) ─ site (public). alice owns acme; dev is Developer and guest is Guest on app.
async fn world(db: &Db) -> World {
    ensure_root(db, Some(PASSWORD)).await.unwrap();
    let root = crate::accounts::find_by_username(db, ROOT_USERNAME).await.unwrap().unwrap();
    let (alice, dev, guest, outsider) =
        (user(db, "alice").await, user(db, "dev").await, user(db, "guest").await, user(db, "outsider").await);
    let group = |parent_id, path, visibility| NewGroup { parent_id, path, name: "", visibility };
    let acme = create_group(db, &group(None, "acme", Visibility::Private), Some(alice.id)).await.unwrap();
    let tools = create_group(db, &group(Some(acme.id), "tools", Visibility::Private), None).await.unwrap();
    let public = create_group(db, &group(None, "pub", Visibility::Public), None).await.unwrap();
    let project = |namespace_id, path, visibility| NewProject {
        namespace_id,
        path,
        name: "",
        visibility,
        registry_access: RegistryAccessLevel::Enabled,
    };
    let app = create_project(db, &project(acme.id, "app", Visibility::Private)).await.unwrap();
    create_project(db, &project(tools.id, "cli", Visibility::Private)).await.unwrap();
    let site = create_project(db, &project(public.id, "site", Visibility::Public)).await.unwrap();
    set_member(db, MemberTarget::Project(app.id), dev.id, Role::Developer).await.unwrap();
    set_member(db, MemberTarget::Project(app.id), guest.id, Role::Guest).await.unwrap();
    World { root, alice, dev, guest, outsider, app, site, acme_id: acme.id }
}

fn req(scope: &str) -> ScopeRequest {
    ScopeRequest::parse(scope).unwrap()
}

async fn actions(db: &Db, credential: Option<&Credential>, scope: &str) -> Vec<String> {
    let granted = grant(db, credential, &[req(scope)]).await.unwrap();
    assert_eq!(granted.len(), 1);
    granted.into_iter().next().unwrap().actions
}

fn none() -> Vec<String> {
    vec![]
}

fn list(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn credentials_are_recognised_and_refused_as_the_spec_says() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, url) in berth_db::testing::test_database_urls(dir.path()).await {
        let db = Db::connect(&url).await.unwrap();
        let w = world(&db).await;
        let opts = AuthOptions::default();
        let no_passwords = AuthOptions { password_allowed: false };

        // Password.
        let c = authenticate(&db, "dev", PASSWORD, &opts).await.unwrap();
        assert_eq!(c, Credential::Password { user: w.dev.clone() }, "{backend}");
        assert!(matches!(authenticate(&db, "dev", "wrong", &opts).await, Err(AuthError::InvalidCredentials)), "{backend}");
        assert!(matches!(authenticate(&db, "nobody", PASSWORD, &opts).await, Err(AuthError::InvalidCredentials)), "{backend}");
        assert!(matches!(authenticate(&db, "dev", "", &opts).await, Err(AuthError::InvalidCredentials)), "{backend}");
        assert!(matches!(authenticate(&db, "dev", PASSWORD, &no_passwords).await, Err(AuthError::PasswordNotAllowed)), "{backend}");
        assert!(matches!(authenticate(&db, "dev", "wrong", &no_passwords).await, Err(AuthError::InvalidCredentials)), "{backend}");

        // Personal access token: only with its owner's username.
        let pat = create_personal_access_token(&db, w.dev.id, "ci", Scopes::of(&[Scope::ReadRegistry]), None).await.unwrap();
        let c = authenticate(&db, "dev", &pat.secret, &no_passwords).await.unwrap();
        let Credential::PersonalAccessToken { user, token } = &c else { panic!("{backend}: {c:?}") };
        assert_eq!((user.id, token.id), (w.dev.id, pat.token.id), "{backend}");
        assert!(token.last_used_at.is_some(), "{backend}");
        let stored = repo::tokens::pat_by_hash(&db, &hash_secret(&pat.secret)).await.unwrap().unwrap();
        assert!(stored.last_used_at.is_some(), "{backend}: last use recorded");
        assert_eq!(c.subject(), "dev", "{backend}");
        assert!(matches!(authenticate(&db, "alice", &pat.secret, &opts).await, Err(AuthError::InvalidCredentials)), "{backend}");
        // Expired and revoked.
        let expired_secret = "glpat-expired-token-0000000000";
        repo::tokens::insert_pat(&db, w.dev.id, "old", &hash_secret(expired_secret), Scopes::all(), Some(now_millis() - 1), 0)
            .await
            .unwrap();
        assert!(matches!(authenticate(&db, "dev", expired_secret, &opts).await, Err(AuthError::Expired)), "{backend}");
        revoke_personal_access_token(&db, pat.token.id).await.unwrap();
        assert!(matches!(authenticate(&db, "dev", &pat.secret, &opts).await, Err(AuthError::Revoked)), "{backend}");

        // Blocked users: neither password nor tokens.
        let guest_pat = create_personal_access_token(&db, w.guest.id, "t", Scopes::all(), None).await.unwrap();
        set_blocked(&db, w.guest.id, true).await.unwrap();
        assert!(matches!(authenticate(&db, "guest", PASSWORD, &opts).await, Err(AuthError::Blocked)), "{backend}");
        assert!(matches!(authenticate(&db, "guest", &guest_pat.secret, &opts).await, Err(AuthError::Blocked)), "{backend}");
        set_blocked(&db, w.guest.id, false).await.unwrap();

        // Deploy token: with its own username only.
        let read = Scopes::of(&[Scope::ReadRegistry]);
        let d = create_deploy_token(&db, DeployTokenOwner::Project(w.app.id), "d", None, read, None).await.unwrap();
        let d_user = format!("gitlab+deploy-token-{}", d.token.id);
        let c = authenticate(&db, &d_user, &d.secret, &no_passwords).await.unwrap();
        assert_eq!(c, Credential::DeployToken { token: d.token.clone() }, "{backend}");
        assert_eq!(c.subject(), d_user, "{backend}");
        assert!(matches!(authenticate(&db, "dev", &d.secret, &opts).await, Err(AuthError::InvalidCredentials)), "{backend}");
        revoke_deploy_token(&db, d.token.id).await.unwrap();
        assert!(matches!(authenticate(&db, &d_user, &d.secret, &opts).await, Err(AuthError::Revoked)), "{backend}");

        // Job token: with gitlab-ci-token only; expiry; the user's block applies.
        let job = create_job_token(&db, w.app.id, w.dev.id, 60_000).await.unwrap();
        assert!(job.secret.starts_with("glcbt-"), "{backend}");
        let c = authenticate(&db, "gitlab-ci-token", &job.secret, &no_passwords).await.unwrap();
        assert!(matches!(&c, Credential::JobToken { user, .. } if user.id == w.dev.id), "{backend}");
        assert_eq!(c.subject(), "gitlab-ci-token", "{backend}");
        assert!(matches!(authenticate(&db, "dev", &job.secret, &opts).await, Err(AuthError::InvalidCredentials)), "{backend}");
        assert!(matches!(authenticate(&db, "gitlab-ci-token", &pat.secret, &opts).await, Err(AuthError::InvalidCredentials)), "{backend}");
        let old_job = "glcbt-expired-job-token-000000";
        repo::tokens::insert_job_token(&db, w.app.id, w.dev.id, &hash_secret(old_job), now_millis() - 1, 0).await.unwrap();
        assert!(matches!(authenticate(&db, "gitlab-ci-token", old_job, &opts).await, Err(AuthError::Expired)), "{backend}");
        assert_eq!(crate::tokens::purge_expired_job_tokens(&db).await.unwrap(), 1, "{backend}");
        set_blocked(&db, w.dev.id, true).await.unwrap();
        assert!(matches!(authenticate(&db, "gitlab-ci-token", &job.secret, &opts).await, Err(AuthError::Blocked)), "{backend}");
        set_blocked(&db, w.dev.id, false).await.unwrap();

        // The initial root token works with root's username, whatever its form.
        ensure_root_token(&db, "configured-root-token-123").await.unwrap();
        let c = authenticate(&db, "root", "configured-root-token-123", &no_passwords).await.unwrap();
        assert!(
            matches!(&c, Credential::PersonalAccessToken { user, token } if user.id == w.root.id && token.scopes == Scopes::all()),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn grants_follow_the_permission_function_and_hide_private_projects() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, url) in berth_db::testing::test_database_urls(dir.path()).await {
        let db = Db::connect(&url).await.unwrap();
        let w = world(&db).await;
        let session = |u: &User| Credential::Password { user: u.clone() };
        let all3 = list(&["pull", "push", "delete"]);

        // Anonymous: public projects pull only; private ones look like nothing at all.
        assert_eq!(actions(&db, None, "repository:pub/site:pull,push").await, list(&["pull"]), "{backend}");
        assert_eq!(actions(&db, None, "repository:pub/site/my/image:pull").await, list(&["pull"]), "{backend}");
        assert_eq!(actions(&db, None, "repository:acme/app:pull").await, none(), "{backend}");

        // Members by role; "*" expands to what is allowed.
        assert_eq!(actions(&db, Some(&session(&w.dev)), "repository:acme/app/img:pull,push,delete").await, all3, "{backend}");
        assert_eq!(actions(&db, Some(&session(&w.dev)), "repository:acme/app:*").await, all3, "{backend}");
        assert_eq!(actions(&db, Some(&session(&w.guest)), "repository:acme/app:pull,push").await, none(), "{backend}");
        assert_eq!(
            actions(&db, Some(&session(&w.alice)), "repository:acme/tools/cli/a/b:pull,push").await,
            list(&["pull", "push"]),
            "{backend}: inherited Owner"
        );
        assert_eq!(actions(&db, Some(&session(&w.dev)), "repository:acme/tools/cli:pull").await, none(), "{backend}");

        // A private project the asker cannot see answers like a missing one.
        let hidden = grant(&db, Some(&session(&w.outsider)), &[req("repository:acme/app:pull,push")]).await.unwrap();
        let missing = grant(&db, Some(&session(&w.outsider)), &[req("repository:acme/nope:pull,push")]).await.unwrap();
        assert_eq!(hidden[0].actions, missing[0].actions, "{backend}");
        assert!(hidden[0].actions.is_empty(), "{backend}");

        // No project, too deep, or an invalid name: nothing, even for the Owner.
        assert_eq!(actions(&db, Some(&session(&w.alice)), "repository:acme/newproject:push").await, none(), "{backend}");
        assert_eq!(actions(&db, Some(&session(&w.alice)), "repository:acme/app/a/b/c:pull").await, none(), "{backend}");
        assert_eq!(actions(&db, Some(&session(&w.alice)), "repository:acme/App:pull").await, none(), "{backend}");
        assert_eq!(actions(&db, Some(&session(&w.alice)), "repository:acme:pull").await, none(), "{backend}");

        // Administrators act as Owner everywhere.
        assert_eq!(
            actions(&db, Some(&session(&w.root)), "repository:acme/app:pull,push,delete").await,
            list(&["pull", "push", "delete"]),
            "{backend}"
        );

        // Token scopes narrow.
        let pat = |user: &User, scopes: &[Scope]| {
            let token = crate::tokens::PersonalAccessToken {
                id: 0,
                user_id: user.id,
                name: "t".into(),
                scopes: Scopes::of(scopes),
                expires_at: None,
                revoked: false,
                last_used_at: None,
                created_at: 0,
            };
            Credential::PersonalAccessToken { user: user.clone(), token }
        };
        assert_eq!(actions(&db, Some(&pat(&w.dev, &[Scope::ReadRegistry])), "repository:acme/app:*").await, list(&["pull"]), "{backend}");
        assert_eq!(actions(&db, Some(&pat(&w.dev, &[Scope::WriteRegistry])), "repository:acme/app:*").await, list(&["push"]), "{backend}");
        assert_eq!(
            actions(&db, Some(&pat(&w.dev, &[Scope::ReadRegistry, Scope::WriteRegistry])), "repository:acme/app:*").await,
            list(&["pull", "push"]),
            "{backend}"
        );
        assert_eq!(actions(&db, Some(&pat(&w.dev, &[Scope::Api])), "repository:acme/app:*").await, all3, "{backend}");

        // Deploy tokens: group tokens cover subgroups' projects; never delete; nothing elsewhere.
        let rw = Scopes::of(&[Scope::ReadRegistry, Scope::WriteRegistry]);
        let d = create_deploy_token(&db, DeployTokenOwner::Group(w.acme_id), "d", None, rw, None).await.unwrap();
        let deploy = Credential::DeployToken { token: d.token };
        assert_eq!(actions(&db, Some(&deploy), "repository:acme/tools/cli/img:*").await, list(&["pull", "push"]), "{backend}");
        assert_eq!(actions(&db, Some(&deploy), "repository:pub/site:pull").await, none(), "{backend}");

        // Job tokens: their project only, at most Developer.
        let job = create_job_token(&db, w.app.id, w.alice.id, 60_000).await.unwrap();
        let job = Credential::JobToken { user: w.alice.clone(), token: job.token };
        assert_eq!(actions(&db, Some(&job), "repository:acme/app:*").await, all3, "{backend}");
        assert_eq!(actions(&db, Some(&job), "repository:acme/tools/cli:pull").await, none(), "{backend}");

        // A disabled registry refuses everyone.
        set_registry_access_level(&db, w.site.id, RegistryAccessLevel::Disabled).await.unwrap();
        assert_eq!(actions(&db, None, "repository:pub/site:pull").await, none(), "{backend}");
        assert_eq!(actions(&db, Some(&session(&w.root)), "repository:pub/site:pull").await, none(), "{backend}");

        // The catalog: administrators only.
        assert_eq!(actions(&db, Some(&session(&w.root)), "registry:catalog:*").await, list(&["*"]), "{backend}");
        assert_eq!(actions(&db, Some(&pat(&w.root, &[Scope::WriteRegistry])), "registry:catalog:*").await, none(), "{backend}");
        assert_eq!(actions(&db, Some(&session(&w.alice)), "registry:catalog:*").await, none(), "{backend}");
        assert_eq!(actions(&db, None, "registry:catalog:*").await, none(), "{backend}");

        // Several scopes at once keep their order.
        let many = grant(&db, None, &[req("repository:pub/x:pull"), req("repository:acme/app:pull")]).await.unwrap();
        assert_eq!(many.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(), vec!["pub/x", "acme/app"], "{backend}");
    }
}

#[test]
fn scope_strings_parse() {
    assert_eq!(
        ScopeRequest::parse("repository:group/p/img:pull,push"),
        Some(ScopeRequest { kind: "repository".into(), name: "group/p/img".into(), actions: list(&["pull", "push"]) })
    );
    assert_eq!(ScopeRequest::parse("registry:catalog:*").unwrap().actions, list(&["*"]));
    assert_eq!(ScopeRequest::parse("repository:x:").unwrap().actions, none());
    assert_eq!(ScopeRequest::parse("nonsense"), None);
    assert_eq!(ScopeRequest::parse(":x:pull"), None);
}

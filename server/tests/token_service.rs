//! The registry token service (`/jwt/auth`) with the platform's users, projects, roles and
//! credentials: what each kind of credential is granted (read off the signed token), and the
//! same cases through a real client (skopeo login + copy), allowed and refused. Runs on
//! SQLite and, when configured, PostgreSQL.

mod common;

use std::collections::BTreeMap;

use berth_platform::model::{RegistryAccessLevel, Role, Scope, Scopes, Visibility};
use berth_platform::namespaces::{create_group, NewGroup};
use berth_platform::projects::{create_project, NewProject};
use berth_platform::tokens::{create_deploy_token, create_job_token, create_personal_access_token, DeployTokenOwner};
use berth_platform::users::{create_user, NewUser};
use common::oci_layout;
use common::registry_clients::{client_installed, ok, refused, start_server, Clients, NO_TLS, REQUIRE_CLIENTS};
use serde_json::Value;

/// Everyone and everything a scenario needs, with their secrets.
struct Scenario {
    server: berth_server::Running,
    /// login name → secret
    logins: BTreeMap<&'static str, (String, String)>,
}

/// acme (private group)
///   acme/app      private project, registry "Everyone with access"
///   acme/site     public project,  registry "Everyone with access"
///   acme/vault    public project,  registry "Only project members"
/// alice: Developer in acme (inherited); bob: Reporter on acme/app; carol: no membership.
async fn scenario(dir: &std::path::Path, url: &str) -> Scenario {
    let server = start_server(dir, url, None).await;
    let db = &server.state.db;
    let group =
        create_group(db, &NewGroup { parent_id: None, path: "acme", name: "Acme", visibility: Visibility::Public }, None).await.unwrap();
    let project = |path: &'static str, visibility, registry_access| NewProject {
        namespace_id: group.id,
        path,
        name: path,
        visibility,
        registry_access,
    };
    let app = create_project(db, &project("app", Visibility::Private, RegistryAccessLevel::Enabled)).await.unwrap();
    create_project(db, &project("site", Visibility::Public, RegistryAccessLevel::Enabled)).await.unwrap();
    create_project(db, &project("vault", Visibility::Public, RegistryAccessLevel::Private)).await.unwrap();

    let mut user_ids = BTreeMap::new();
    for name in ["alice", "bob", "carol"] {
        let email = format!("{name}@example.com");
        let user =
            create_user(db, &NewUser { username: name, name, email: &email, password: "password-of-user", is_admin: false }).await.unwrap();
        user_ids.insert(name, user.id);
    }
    use berth_platform::members::{set_member, MemberTarget};
    set_member(db, MemberTarget::Group(group.id), user_ids["alice"], Role::Developer).await.unwrap();
    set_member(db, MemberTarget::Project(app.id), user_ids["bob"], Role::Reporter).await.unwrap();

    let registry_rw = Scopes::of(&[Scope::ReadRegistry, Scope::WriteRegistry]);
    let mut logins = BTreeMap::new();
    for name in ["alice", "bob", "carol"] {
        let pat = create_personal_access_token(db, user_ids[name], "registry", registry_rw, None).await.unwrap();
        assert!(pat.secret.starts_with("glpat-"), "personal access tokens are recognisable");
        logins.insert(name, (name.to_string(), pat.secret));
    }
    let read = create_deploy_token(db, DeployTokenOwner::Project(app.id), "pull only", None, Scopes::of(&[Scope::ReadRegistry]), None)
        .await
        .unwrap();
    logins.insert("deploy-read", (read.token.username.clone(), read.secret));
    let write =
        create_deploy_token(db, DeployTokenOwner::Project(app.id), "ci push", Some("ci-pusher"), Scopes::of(&[Scope::WriteRegistry]), None)
            .await
            .unwrap();
    logins.insert("deploy-write", ("ci-pusher".to_string(), write.secret));
    let job = create_job_token(db, app.id, user_ids["alice"], 60 * 60 * 1000).await.unwrap();
    logins.insert("job", ("gitlab-ci-token".to_string(), job.secret));
    logins.insert("root-password", ("root".to_string(), common::ROOT_PASSWORD.to_string()));
    Scenario { server, logins }
}

impl Scenario {
    /// The actions the token service grants `who` (`None` = anonymous) on `repository`.
    async fn granted(&self, who: Option<&str>, repository: &str) -> Vec<String> {
        let mut request = common::client()
            .get(format!("{}/jwt/auth", self.server.url()))
            .query(&[("service", "container_registry"), ("scope", &format!("repository:{repository}:pull,push,delete"))]);
        if let Some(who) = who {
            let (user, secret) = &self.logins[who];
            request = request.basic_auth(user, Some(secret));
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "{who:?} gets a token");
        let body: Value = response.json().await.unwrap();
        let claims = self.server.state.token_issuer.verifier().verify(body["token"].as_str().unwrap()).unwrap();
        claims.access.iter().filter(|a| a.name == repository).flat_map(|a| a.actions.clone()).collect()
    }
}

fn actions(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn each_credential_kind_is_granted_what_its_role_and_scopes_allow() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, url) in berth_db::testing::test_database_urls(dir.path()).await {
        let s = scenario(&dir.path().join(backend), &url).await;
        let cases: &[(Option<&str>, &str, &[&str])] = &[
            // A Developer (inherited from the group) with read+write registry scopes.
            (Some("alice"), "acme/app", &["pull", "push"]),
            (Some("alice"), "acme/app/deep/image", &["pull", "push"]),
            // A Reporter pulls but does not push.
            (Some("bob"), "acme/app", &["pull"]),
            // A signed-in non-member sees nothing of a private project...
            (Some("carol"), "acme/app", &[]),
            // ...pulls from a public one, and not where the registry is for members only.
            (Some("carol"), "acme/site", &["pull"]),
            (Some("carol"), "acme/vault", &[]),
            (Some("bob"), "acme/vault", &[]),
            (Some("alice"), "acme/vault", &["pull", "push"]),
            // Anonymous: public project with the registry open to everyone only.
            (None, "acme/site", &["pull"]),
            (None, "acme/app", &[]),
            (None, "acme/vault", &[]),
            // Deploy tokens: their scopes decide, only on their project, never delete.
            (Some("deploy-read"), "acme/app", &["pull"]),
            (Some("deploy-write"), "acme/app", &["pull", "push"]),
            (Some("deploy-write"), "acme/site", &[]),
            // Job token: the user's role on its own project, capped at Developer (who may
            // delete tags); PATs without the `api` scope never delete.
            (Some("job"), "acme/app", &["pull", "push", "delete"]),
            (Some("job"), "acme/site", &[]),
            // No project at the start of the path: nothing, not even for its would-be owner.
            (Some("alice"), "acme/nothing-here", &[]),
            (Some("alice"), "elsewhere/app", &[]),
        ];
        for (who, repository, expected) in cases {
            assert_eq!(s.granted(*who, repository).await, actions(expected), "{backend}: {who:?} on {repository}");
        }
        s.server.stop().await.unwrap();
    }
}

#[tokio::test]
async fn bad_credentials_are_refused_with_a_json_error_and_then_throttled() {
    let dir = tempfile::tempdir().unwrap();
    let url = berth_db::Db::sqlite_url(&dir.path().join("berth.db"));
    let s = scenario(dir.path(), &url).await;
    let auth = format!("{}/jwt/auth", s.server.url());
    let http = common::client();

    let wrong = http.get(&auth).query(&[("service", "container_registry")]).basic_auth("alice", Some("glpat-wrong")).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "UNAUTHORIZED", "{body}");

    // Someone else's token under alice's name is refused too.
    let (_, bobs) = &s.logins["bob"];
    let borrowed = http.get(&auth).basic_auth("alice", Some(bobs)).send().await.unwrap();
    assert_eq!(borrowed.status(), 401);

    let bad_scope = http.get(&auth).query(&[("scope", "repository")]).send().await.unwrap();
    assert_eq!(bad_scope.status(), 400);

    // Ten failures in a minute lock the name out, even with the right secret.
    for _ in 0..10 {
        let r = http.get(&auth).basic_auth("carol", Some("guess")).send().await.unwrap();
        assert!(r.status() == 401 || r.status() == 429, "{}", r.status());
    }
    let (_, carols) = &s.logins["carol"];
    let locked = http.get(&auth).basic_auth("carol", Some(carols)).send().await.unwrap();
    assert_eq!(locked.status(), 429);
    assert!(locked.headers().get("retry-after").is_some());
    let body: Value = locked.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "TOOMANYREQUESTS");
    // Others are not affected.
    let (_, alices) = &s.logins["alice"];
    assert_eq!(http.get(&auth).basic_auth("alice", Some(alices)).send().await.unwrap().status(), 200);
    s.server.stop().await.unwrap();
}

#[tokio::test]
async fn the_catalog_is_for_administrators_only() {
    let dir = tempfile::tempdir().unwrap();
    let url = berth_db::Db::sqlite_url(&dir.path().join("berth.db"));
    let s = scenario(dir.path(), &url).await;
    for (who, expected) in [("root-password", true), ("alice", false)] {
        let (user, secret) = &s.logins[who];
        let response = common::client()
            .get(format!("{}/jwt/auth", s.server.url()))
            .query(&[("service", "container_registry"), ("scope", "registry:catalog:*")])
            .basic_auth(user, Some(secret))
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        let claims = s.server.state.token_issuer.verifier().verify(body["token"].as_str().unwrap()).unwrap();
        assert_eq!(claims.allows("registry", "catalog", "*"), expected, "{who}");
    }
    s.server.stop().await.unwrap();
}

#[tokio::test]
async fn real_clients_push_and_pull_with_each_credential_kind() {
    if !client_installed("skopeo", REQUIRE_CLIENTS) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (backend, url) in berth_db::testing::test_database_urls(dir.path()).await {
        let s = scenario(&dir.path().join(backend), &url).await;
        let host = s.server.addr.to_string();
        let image = oci_layout::single_platform(&dir.path().join(format!("{backend}-image")), "v1", "amd64");
        let push = |who: &'static str, repository: &'static str| {
            let s = &s;
            let host = host.clone();
            let image = image.clone();
            let root = dir.path().join(format!("{backend}-{who}-{}", repository.replace('/', "_")));
            async move {
                let clients = Clients::new(&root, &[&host]);
                let (user, secret) = &s.logins[who];
                ok(&clients.skopeo(&["login", NO_TLS, "-u", user, "-p", secret, &host]).await, &format!("{who} logs in"));
                let destination = format!("docker://{host}/{repository}:{who}");
                let output = clients.skopeo(&["copy", "--dest-tls-verify=false", &image.reference(), &destination]).await;
                (clients, output)
            }
        };
        let pull = |clients: &Clients, repository: &str, tag: &str| {
            let source = format!("docker://{host}/{repository}:{tag}");
            let target = format!("oci:{}:pulled", clients.root.join("pulled").display());
            let clients_root = clients.root.clone();
            async move {
                let clients = Clients::new(&clients_root, &[]);
                clients.skopeo(&["copy", "--src-tls-verify=false", &source, &target]).await
            }
        };

        // Allowed pushes: a Developer's PAT, a write deploy token, a job token.
        for who in ["alice", "deploy-write", "job"] {
            let (_, output) = push(who, "acme/app").await;
            ok(&output, &format!("{backend}: {who} pushes to acme/app"));
        }
        // Refused pushes: a Reporter, a read-only deploy token, a job token outside its project,
        // a non-member, a path without a project.
        for (who, repository) in
            [("bob", "acme/app"), ("deploy-read", "acme/app"), ("job", "acme/site"), ("carol", "acme/app"), ("alice", "nowhere/app")]
        {
            let (_, output) = push(who, repository).await;
            refused(&output, &format!("{backend}: {who} pushing to {repository}"));
        }
        // Pulls: the Reporter and the read deploy token can; a non-member cannot.
        for (who, allowed) in [("bob", true), ("deploy-read", true), ("carol", false)] {
            let clients = Clients::new(&dir.path().join(format!("{backend}-pull-{who}")), &[&host]);
            let (user, secret) = &s.logins[who];
            ok(&clients.skopeo(&["login", NO_TLS, "-u", user, "-p", secret, &host]).await, "login");
            let output = pull(&clients, "acme/app", "alice").await;
            if allowed {
                ok(&output, &format!("{backend}: {who} pulls acme/app"));
            } else {
                refused(&output, &format!("{backend}: {who} pulling acme/app"));
            }
        }
        // Anonymous: a public project's image yes, a private one's no.
        let (_, output) = push("alice", "acme/site").await;
        ok(&output, &format!("{backend}: alice pushes to acme/site"));
        let anonymous = Clients::new(&dir.path().join(format!("{backend}-anonymous")), &[&host]);
        ok(&pull(&anonymous, "acme/site", "alice").await, &format!("{backend}: anonymous pulls a public image"));
        refused(&pull(&anonymous, "acme/app", "alice").await, &format!("{backend}: anonymous pulling a private image"));
        s.server.stop().await.unwrap();
    }
}

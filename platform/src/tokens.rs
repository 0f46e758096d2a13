//! Personal access tokens, deploy tokens and job tokens. Secrets are generated here, returned
//! once in [`CreatedToken`], and stored only as their SHA-256.

use berth_db::{now_millis, Db};

use crate::accounts::{find_by_username, ROOT_USERNAME};
use crate::error::{is_unique_violation, PlatformError, Result};
use crate::model::{Scope, Scopes};
use crate::repo;
pub use crate::repo::tokens::{DeployToken, DeployTokenOwner, JobToken, PersonalAccessToken};
use crate::secrets::{generate_secret, hash_secret, DEPLOY_TOKEN_PREFIX, JOB_TOKEN_PREFIX, PERSONAL_ACCESS_TOKEN_PREFIX};

/// The login name CI jobs use with a job token.
pub const JOB_TOKEN_USERNAME: &str = "gitlab-ci-token";

/// The name given to the token made from `BERTH_INITIAL_ROOT_TOKEN`.
pub const INITIAL_ROOT_TOKEN_NAME: &str = "initial root token";

/// The shortest secret [`ensure_root_token`] accepts.
pub const MIN_CONFIGURED_SECRET_LEN: usize = 16;

/// A token just created, with its secret: show it once, it is not stored.
#[derive(Debug, Clone)]
pub struct CreatedToken<T> {
    pub token: T,
    pub secret: String,
}

fn check_name(name: &str) -> Result<()> {
    if name.trim().is_empty() || name.len() > 255 {
        return Err(PlatformError::Invalid("token name must be 1 to 255 characters".into()));
    }
    Ok(())
}

fn check_expiry(expires_at: Option<i64>) -> Result<()> {
    if expires_at.is_some_and(|t| t <= now_millis()) {
        return Err(PlatformError::Invalid("expiry date must be in the future".into()));
    }
    Ok(())
}

pub async fn create_personal_access_token(
    db: &Db,
    user_id: i64,
    name: &str,
    scopes: Scopes,
    expires_at: Option<i64>,
) -> Result<CreatedToken<PersonalAccessToken>> {
    check_name(name)?;
    check_expiry(expires_at)?;
    if scopes.is_empty() {
        return Err(PlatformError::Invalid("choose at least one scope".into()));
    }
    repo::users::by_id(db, user_id).await?.ok_or(PlatformError::NotFound("user"))?;
    let secret = generate_secret(PERSONAL_ACCESS_TOKEN_PREFIX);
    let token = repo::tokens::insert_pat(db, user_id, name.trim(), &hash_secret(&secret), scopes, expires_at, now_millis()).await?;
    Ok(CreatedToken { token, secret })
}

pub async fn list_personal_access_tokens(db: &Db, user_id: i64) -> Result<Vec<PersonalAccessToken>> {
    Ok(repo::tokens::pats_of_user(db, user_id).await?)
}

pub async fn find_personal_access_token(db: &Db, secret: &str) -> Result<Option<PersonalAccessToken>> {
    Ok(repo::tokens::pat_by_hash(db, &hash_secret(secret)).await?)
}

pub async fn revoke_personal_access_token(db: &Db, id: i64) -> Result<()> {
    repo::tokens::revoke_pat(db, id).await?.then_some(()).ok_or(PlatformError::NotFound("personal access token"))
}

/// `BERTH_INITIAL_ROOT_TOKEN`: makes `secret` a personal access token of root with every
/// scope and no expiry, unless a token with that secret exists already (then nothing
/// changes, even if it was revoked). Returns whether it was created now. Root must exist.
pub async fn ensure_root_token(db: &Db, secret: &str) -> Result<bool> {
    if secret.chars().count() < MIN_CONFIGURED_SECRET_LEN || secret.chars().any(char::is_whitespace) {
        return Err(PlatformError::Invalid(format!(
            "the initial root token must be at least {MIN_CONFIGURED_SECRET_LEN} characters without spaces"
        )));
    }
    let root = find_by_username(db, ROOT_USERNAME).await?.ok_or(PlatformError::NotFound("root user"))?;
    let hash = hash_secret(secret);
    if repo::tokens::pat_by_hash(db, &hash).await?.is_some() {
        return Ok(false);
    }
    match repo::tokens::insert_pat(db, root.id, INITIAL_ROOT_TOKEN_NAME, &hash, Scopes::all(), None, now_millis()).await {
        Ok(_) => Ok(true),
        // Another node made it at the same moment.
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Creates a deploy token for a project or a group. `username` is custom or, when `None`,
/// `gitlab+deploy-token-<id>`. Scopes: `read_registry` and/or `write_registry`.
pub async fn create_deploy_token(
    db: &Db,
    owner: DeployTokenOwner,
    name: &str,
    username: Option<&str>,
    scopes: Scopes,
    expires_at: Option<i64>,
) -> Result<CreatedToken<DeployToken>> {
    check_name(name)?;
    check_expiry(expires_at)?;
    if scopes.is_empty() || scopes.iter().any(|s| !matches!(s, Scope::ReadRegistry | Scope::WriteRegistry)) {
        return Err(PlatformError::Invalid("deploy token scopes are read_registry and/or write_registry".into()));
    }
    if let Some(u) = username {
        let bad = u.is_empty()
            || u.len() > 255
            || u.contains(':')
            || u.chars().any(|c| c.is_whitespace() || c.is_control())
            || u == JOB_TOKEN_USERNAME
            || u.starts_with("gitlab+deploy-token-");
        if bad {
            return Err(PlatformError::Invalid(format!(
                "deploy token username {u:?} must be 1 to 255 characters without ':' or spaces, and not \
                 {JOB_TOKEN_USERNAME:?} nor start with \"gitlab+deploy-token-\""
            )));
        }
        // Registry logins try the user account first: a deploy token named like a user would
        // be mistaken for (or shadow) that person.
        if find_by_username(db, u).await?.is_some() {
            return Err(PlatformError::Invalid(format!("deploy token username {u:?} is already taken by a user")));
        }
    }
    match owner {
        DeployTokenOwner::Project(id) => {
            repo::projects::by_id(db, id).await?.ok_or(PlatformError::NotFound("project"))?;
        }
        DeployTokenOwner::Group(id) => {
            let ns = repo::namespaces::by_id(db, id).await?.ok_or(PlatformError::NotFound("group"))?;
            if ns.kind != repo::namespaces::NamespaceKind::Group {
                return Err(PlatformError::Invalid("deploy tokens belong to a project or a group, not a personal namespace".into()));
            }
        }
    }
    let secret = generate_secret(DEPLOY_TOKEN_PREFIX);
    let token =
        repo::tokens::insert_deploy_token(db, owner, name.trim(), username, &hash_secret(&secret), scopes, expires_at, now_millis())
            .await?;
    Ok(CreatedToken { token, secret })
}

pub async fn list_deploy_tokens(db: &Db, owner: DeployTokenOwner) -> Result<Vec<DeployToken>> {
    Ok(repo::tokens::deploy_tokens_of(db, owner).await?)
}

pub async fn revoke_deploy_token(db: &Db, id: i64) -> Result<()> {
    repo::tokens::revoke_deploy_token(db, id).await?.then_some(()).ok_or(PlatformError::NotFound("deploy token"))
}

/// Whether a deploy token covers a project: its own, or any project below its group.
pub async fn deploy_token_covers(db: &Db, token: &DeployToken, project: &crate::projects::Project) -> Result<bool> {
    Ok(match token.owner {
        DeployTokenOwner::Project(id) => id == project.id,
        DeployTokenOwner::Group(group_id) => repo::namespaces::self_and_ancestor_ids(db, project.namespace_id).await?.contains(&group_id),
    })
}

/// A job token for a CI job of `user_id` in `project_id`, valid for `ttl_millis`.
pub async fn create_job_token(db: &Db, project_id: i64, user_id: i64, ttl_millis: i64) -> Result<CreatedToken<JobToken>> {
    if ttl_millis <= 0 {
        return Err(PlatformError::Invalid("a job token needs a positive lifetime".into()));
    }
    repo::projects::by_id(db, project_id).await?.ok_or(PlatformError::NotFound("project"))?;
    repo::users::by_id(db, user_id).await?.ok_or(PlatformError::NotFound("user"))?;
    let secret = generate_secret(JOB_TOKEN_PREFIX);
    let now = now_millis();
    let token = repo::tokens::insert_job_token(db, project_id, user_id, &hash_secret(&secret), now + ttl_millis, now).await?;
    Ok(CreatedToken { token, secret })
}

/// Ends a job token (the job finished).
pub async fn delete_job_token(db: &Db, id: i64) -> Result<()> {
    repo::tokens::delete_job_token(db, id).await?.then_some(()).ok_or(PlatformError::NotFound("job token"))
}

/// Removes expired job tokens; returns how many.
pub async fn purge_expired_job_tokens(db: &Db) -> Result<u64> {
    Ok(repo::tokens::delete_expired_job_tokens(db, now_millis()).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::ensure_root;

    #[tokio::test]
    async fn the_initial_root_token_is_made_once() {
        let dir = tempfile::tempdir().unwrap();
        for (backend, url) in berth_db::testing::test_database_urls(dir.path()).await {
            let db = Db::connect(&url).await.unwrap();
            assert!(matches!(ensure_root_token(&db, "abcdefghijklmnopq").await, Err(PlatformError::NotFound(_))), "{backend}");
            ensure_root(&db, None).await.unwrap();
            assert!(matches!(ensure_root_token(&db, "short").await, Err(PlatformError::Invalid(_))), "{backend}");
            assert!(ensure_root_token(&db, "glpat-initial-root-token").await.unwrap(), "{backend}");
            assert!(!ensure_root_token(&db, "glpat-initial-root-token").await.unwrap(), "{backend}");
            let token = find_personal_access_token(&db, "glpat-initial-root-token").await.unwrap().unwrap();
            assert_eq!(token.scopes, Scopes::all(), "{backend}");
            assert_eq!(token.expires_at, None, "{backend}");
            let root = find_by_username(&db, ROOT_USERNAME).await.unwrap().unwrap();
            assert_eq!(list_personal_access_tokens(&db, root.id).await.unwrap(), vec![token], "{backend}");
        }
    }

    #[tokio::test]
    async fn token_inputs_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&Db::sqlite_url(&dir.path().join("t.db"))).await.unwrap();
        ensure_root(&db, None).await.unwrap();
        let root = find_by_username(&db, ROOT_USERNAME).await.unwrap().unwrap();
        let read = Scopes::of(&[Scope::ReadRegistry]);
        assert!(create_personal_access_token(&db, root.id, "", read, None).await.is_err());
        assert!(create_personal_access_token(&db, root.id, "ci", Scopes::NONE, None).await.is_err());
        assert!(create_personal_access_token(&db, root.id, "ci", read, Some(1)).await.is_err());
        let created = create_personal_access_token(&db, root.id, "ci", read, None).await.unwrap();
        assert!(created.secret.starts_with("glpat-"));
        assert_eq!(find_personal_access_token(&db, &created.secret).await.unwrap(), Some(created.token.clone()));

        let g = crate::namespaces::create_group(
            &db,
            &crate::namespaces::NewGroup { parent_id: None, path: "g", name: "", visibility: crate::model::Visibility::Public },
            None,
        )
        .await
        .unwrap();
        let group = DeployTokenOwner::Group(g.id);
        assert!(create_deploy_token(&db, group, "d", None, Scopes::of(&[Scope::Api]), None).await.is_err());
        assert!(create_deploy_token(&db, group, "d", Some("a:b"), read, None).await.is_err());
        assert!(create_deploy_token(&db, group, "d", Some(JOB_TOKEN_USERNAME), read, None).await.is_err());
        let d = create_deploy_token(&db, group, "d", None, read, None).await.unwrap();
        assert!(d.secret.starts_with("gldt-"));
        assert_eq!(d.token.username, format!("gitlab+deploy-token-{}", d.token.id));
        let custom = create_deploy_token(&db, group, "e", Some("puller"), read, None).await.unwrap();
        assert_eq!(custom.token.username, "puller");
        revoke_deploy_token(&db, d.token.id).await.unwrap();
        let listed = list_deploy_tokens(&db, group).await.unwrap();
        assert_eq!(listed.iter().map(|t| t.revoked).collect::<Vec<_>>(), vec![true, false]);
        let root_ns = crate::namespaces::ensure_personal_namespace(&db, &root).await.unwrap();
        assert!(create_deploy_token(&db, DeployTokenOwner::Group(root_ns.id), "d", None, read, None).await.is_err());
    }
}

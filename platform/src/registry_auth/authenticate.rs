//! Recognising the credentials a registry client sends with HTTP Basic.

use berth_db::{now_millis, Db};

use crate::accounts::{check_password, User};
use crate::error::PlatformError;
use crate::repo;
use crate::secrets::hash_secret;
use crate::tokens::{DeployToken, JobToken, PersonalAccessToken, JOB_TOKEN_USERNAME};

/// Who has authenticated, and with what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// Username and password: the full rights of the user's roles.
    Password {
        user: User,
    },
    /// A personal access token: the user's rights narrowed by the token's scopes.
    PersonalAccessToken {
        user: User,
        token: PersonalAccessToken,
    },
    DeployToken {
        token: DeployToken,
    },
    /// A CI job token, on behalf of `user`.
    JobToken {
        user: User,
        token: JobToken,
    },
}

impl Credential {
    /// The name to put in the registry token's `sub` claim.
    pub fn subject(&self) -> &str {
        match self {
            Credential::Password { user } | Credential::PersonalAccessToken { user, .. } => &user.username,
            Credential::DeployToken { token } => &token.username,
            Credential::JobToken { .. } => JOB_TOKEN_USERNAME,
        }
    }

    /// The user acting, for credentials that act as one.
    pub fn user(&self) -> Option<&User> {
        match self {
            Credential::Password { user } | Credential::PersonalAccessToken { user, .. } | Credential::JobToken { user, .. } => Some(user),
            Credential::DeployToken { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthOptions {
    /// Whether a web account's username and password may be used (instead of a token).
    pub password_allowed: bool,
}

impl Default for AuthOptions {
    fn default() -> Self {
        AuthOptions { password_allowed: true }
    }
}

/// Why credentials were refused. Every variant but `Database` is a 401; the specific ones are
/// only reported to someone who presented a valid secret.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("invalid username or password")]
    InvalidCredentials,
    #[error("this token has expired")]
    Expired,
    #[error("this token has been revoked")]
    Revoked,
    #[error("this account is blocked")]
    Blocked,
    #[error("password sign-in to the registry is disabled: use a personal access token")]
    PasswordNotAllowed,
    #[error(transparent)]
    Platform(#[from] PlatformError),
}

impl From<berth_db::sqlx::Error> for AuthError {
    fn from(e: berth_db::sqlx::Error) -> Self {
        AuthError::Platform(e.into())
    }
}

/// Checks a username and secret: a job token (username `gitlab-ci-token`), a personal access
/// token (username must be its owner's), a deploy token (username must be the token's), or a
/// password when `options` allow it. Tokens are found by the hash of the secret, so a
/// configured secret without the usual prefix works too.
pub async fn authenticate(db: &Db, username: &str, secret: &str, options: &AuthOptions) -> Result<Credential, AuthError> {
    if secret.is_empty() {
        return Err(AuthError::InvalidCredentials);
    }
    let now = now_millis();
    let hash = hash_secret(secret);
    if username == JOB_TOKEN_USERNAME {
        return job_token(db, secret).await;
    }
    if let Some(token) = repo::tokens::pat_by_hash(db, &hash).await? {
        let user = repo::users::by_id(db, token.user_id).await?.ok_or(AuthError::InvalidCredentials)?;
        if user.username != username {
            return Err(AuthError::InvalidCredentials);
        }
        return personal_access_token(db, secret).await;
    }
    if let Some(token) = repo::tokens::deploy_token_by_hash(db, &hash).await? {
        if token.username != username {
            return Err(AuthError::InvalidCredentials);
        }
        check_lifetime(token.revoked, token.expires_at, now)?;
        return Ok(Credential::DeployToken { token });
    }
    let user = check_password(db, username, secret).await?.ok_or(AuthError::InvalidCredentials)?;
    if !options.password_allowed {
        return Err(AuthError::PasswordNotAllowed);
    }
    if user.is_blocked {
        return Err(AuthError::Blocked);
    }
    Ok(Credential::Password { user })
}

/// A personal access token by its secret (the REST API's `PRIVATE-TOKEN` and bearer
/// tokens, and registry logins after the username check): live, of an active user. Records
/// its use.
pub async fn personal_access_token(db: &Db, secret: &str) -> Result<Credential, AuthError> {
    let now = now_millis();
    let token = repo::tokens::pat_by_hash(db, &hash_secret(secret)).await?.ok_or(AuthError::InvalidCredentials)?;
    check_lifetime(token.revoked, token.expires_at, now)?;
    let user = active_user(db, token.user_id).await?;
    repo::tokens::touch_pat(db, token.id, now).await?;
    Ok(Credential::PersonalAccessToken { user, token: PersonalAccessToken { last_used_at: Some(now), ..token } })
}

/// A CI job token by its secret: unexpired, of an active user.
pub async fn job_token(db: &Db, secret: &str) -> Result<Credential, AuthError> {
    let token = repo::tokens::job_token_by_hash(db, &hash_secret(secret)).await?.ok_or(AuthError::InvalidCredentials)?;
    if token.expires_at <= now_millis() {
        return Err(AuthError::Expired);
    }
    let user = active_user(db, token.user_id).await?;
    Ok(Credential::JobToken { user, token })
}

fn check_lifetime(revoked: bool, expires_at: Option<i64>, now: i64) -> Result<(), AuthError> {
    if revoked {
        return Err(AuthError::Revoked);
    }
    if expires_at.is_some_and(|t| t <= now) {
        return Err(AuthError::Expired);
    }
    Ok(())
}

async fn active_user(db: &Db, id: i64) -> Result<User, AuthError> {
    let user = repo::users::by_id(db, id).await?.ok_or(AuthError::InvalidCredentials)?;
    if user.is_blocked {
        return Err(AuthError::Blocked);
    }
    Ok(user)
}

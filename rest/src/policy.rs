//! Container expiration (cleanup) policies on the project object: the JSON shape, and
//! `container_expiration_policy_attributes` read into a change for
//! `berth_platform::container_registry::cleanup`, which validates, stores and runs them.

use berth_db::sqlx;
use berth_db::{now_millis, Db};
use berth_platform::container_registry::cleanup::{self, CleanupPolicy, OlderThan, PolicyError, PolicyInput};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::time::rfc3339;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ExpirationPolicyJson {
    pub cadence: String,
    pub enabled: bool,
    pub keep_n: Option<i64>,
    pub older_than: Option<String>,
    pub name_regex: Option<String>,
    pub name_regex_keep: Option<String>,
    pub next_run_at: Option<String>,
}

pub fn policy_json(p: &CleanupPolicy) -> ExpirationPolicyJson {
    ExpirationPolicyJson {
        cadence: p.cadence.as_str().into(),
        enabled: p.enabled,
        keep_n: p.keep_n.map(i64::from),
        older_than: p.older_than.map(|o: OlderThan| o.as_str().to_string()),
        name_regex: p.name_regex.clone(),
        name_regex_keep: p.name_regex_keep.clone(),
        next_run_at: p.next_run_at.map(rfc3339),
    }
}

/// The project's policy (the defaults when none was saved).
pub async fn load(db: &Db, project_id: i64) -> sqlx::Result<ExpirationPolicyJson> {
    Ok(policy_json(&cleanup::load(db, project_id).await?))
}

/// The policy fields present in `params` (nullable ones may be null or empty = none).
pub fn policy_input(params: &Params) -> ApiResult<PolicyInput> {
    let nullable = |key: &str| -> ApiResult<Option<Option<String>>> { Ok(if params.has(key) { Some(params.str(key)?) } else { None }) };
    Ok(PolicyInput {
        enabled: params.bool("enabled")?,
        cadence: params.str("cadence")?,
        keep_n: if params.has("keep_n") { Some(params.int("keep_n")?) } else { None },
        older_than: nullable("older_than")?,
        name_regex: nullable("name_regex")?,
        name_regex_keep: nullable("name_regex_keep")?,
    })
}

/// A refused policy value as a 400 naming the field, prefixed like GitLab's attribute
/// errors (`container_expiration_policy.name_regex …`) when `prefix` is given.
pub fn policy_error(e: PolicyError, prefix: &str) -> ApiError {
    match e {
        PolicyError::Invalid { .. } => ApiError::bad_request(format!("{prefix}{e}")),
        PolicyError::Database(e) => ApiError::internal(e),
    }
}

/// Applies `container_expiration_policy_attributes` (only the fields present), validated.
pub async fn update(db: &Db, project_id: i64, attrs: &Params) -> ApiResult<()> {
    let input = policy_input(attrs)?;
    cleanup::save(db, project_id, &input, now_millis()).await.map_err(|e| policy_error(e, "container_expiration_policy."))?;
    Ok(())
}

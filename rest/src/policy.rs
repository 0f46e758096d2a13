//! Container expiration (cleanup) policies: stored and validated here; running them on their
//! cadence is a separate worker's job.

use berth_db::sqlx::{self, Row};
use berth_db::{now_millis, Db};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use berth_platform::container_registry::tag_rules::compile_whole;
use crate::time::rfc3339;

pub const CADENCES: [(&str, i64); 5] =
    [("1d", 1), ("7d", 7), ("14d", 14), ("1month", 30), ("3month", 90)];
pub const KEEP_N: [i64; 6] = [1, 5, 10, 25, 50, 100];
pub const OLDER_THAN: [&str; 4] = ["7d", "14d", "30d", "90d"];

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

#[derive(Debug, Clone, PartialEq, Eq)]
struct Policy {
    enabled: bool,
    cadence: String,
    keep_n: Option<i64>,
    older_than: Option<String>,
    name_regex: Option<String>,
    name_regex_keep: Option<String>,
    next_run_at: Option<i64>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            enabled: false,
            cadence: "1d".into(),
            keep_n: Some(10),
            older_than: Some("90d".into()),
            name_regex: Some(".*".into()),
            name_regex_keep: None,
            next_run_at: None,
        }
    }
}

async fn load_row(db: &Db, project_id: i64) -> sqlx::Result<Option<Policy>> {
    let row = sqlx::query(
        "SELECT enabled, cadence, keep_n, older_than, name_regex, name_regex_keep, next_run_at \
         FROM container_expiration_policies WHERE project_id = $1",
    )
    .bind(project_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| Policy {
        enabled: r.get::<i64, _>("enabled") == 1,
        cadence: r.get("cadence"),
        keep_n: r.get("keep_n"),
        older_than: r.get("older_than"),
        name_regex: r.get("name_regex"),
        name_regex_keep: r.get("name_regex_keep"),
        next_run_at: r.get("next_run_at"),
    }))
}

/// The project's policy (the defaults when none was saved).
pub async fn load(db: &Db, project_id: i64) -> sqlx::Result<ExpirationPolicyJson> {
    let p = load_row(db, project_id).await?.unwrap_or_default();
    Ok(ExpirationPolicyJson {
        cadence: p.cadence,
        enabled: p.enabled,
        keep_n: p.keep_n,
        older_than: p.older_than,
        name_regex: p.name_regex,
        name_regex_keep: p.name_regex_keep,
        next_run_at: p.next_run_at.map(rfc3339),
    })
}

fn invalid(field: &str, rule: &str) -> ApiError {
    ApiError::bad_request(format!("container_expiration_policy.{field} {rule}"))
}

fn cadence_ms(cadence: &str) -> i64 {
    CADENCES.iter().find(|(c, _)| *c == cadence).map(|(_, d)| d * 86_400_000).unwrap_or(86_400_000)
}

/// Applies `container_expiration_policy_attributes` (only the fields present), validated.
pub async fn update(db: &Db, project_id: i64, attrs: &Params) -> ApiResult<()> {
    let old = load_row(db, project_id).await?;
    let mut p = old.clone().unwrap_or_default();
    if let Some(enabled) = attrs.bool("enabled")? {
        p.enabled = enabled;
    }
    if let Some(cadence) = attrs.str("cadence")? {
        if !CADENCES.iter().any(|(c, _)| *c == cadence) {
            return Err(invalid("cadence", "must be one of 1d, 7d, 14d, 1month, 3month"));
        }
        p.cadence = cadence;
    }
    if attrs.has("keep_n") {
        p.keep_n = match attrs.int("keep_n")? {
            None => None,
            Some(n) if KEEP_N.contains(&n) => Some(n),
            Some(_) => return Err(invalid("keep_n", "must be one of 1, 5, 10, 25, 50, 100 or null")),
        };
    }
    if attrs.has("older_than") {
        p.older_than = match attrs.str("older_than")?.filter(|s| !s.is_empty()) {
            None => None,
            Some(o) if OLDER_THAN.contains(&o.as_str()) => Some(o),
            Some(_) => return Err(invalid("older_than", "must be one of 7d, 14d, 30d, 90d or null")),
        };
    }
    for field in ["name_regex", "name_regex_keep"] {
        if attrs.has(field) {
            let value = attrs.str(field)?.filter(|s| !s.is_empty());
            if let Some(v) = &value {
                compile_whole(&format!("container_expiration_policy.{field}"), v).map_err(ApiError::bad_request)?;
            }
            if field == "name_regex" {
                p.name_regex = value;
            } else {
                p.name_regex_keep = value;
            }
        }
    }
    let now = now_millis();
    let was = old.as_ref();
    let reschedule = was.is_none_or(|w| !w.enabled || w.cadence != p.cadence || w.next_run_at.is_none());
    p.next_run_at = if !p.enabled {
        None
    } else if reschedule {
        Some(now + cadence_ms(&p.cadence))
    } else {
        was.and_then(|w| w.next_run_at)
    };
    sqlx::query(
        "INSERT INTO container_expiration_policies \
             (project_id, enabled, cadence, keep_n, older_than, name_regex, name_regex_keep, next_run_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
         ON CONFLICT (project_id) DO UPDATE SET enabled = excluded.enabled, cadence = excluded.cadence, \
             keep_n = excluded.keep_n, older_than = excluded.older_than, name_regex = excluded.name_regex, \
             name_regex_keep = excluded.name_regex_keep, next_run_at = excluded.next_run_at, updated_at = excluded.updated_at",
    )
    .bind(project_id)
    .bind(p.enabled as i64)
    .bind(&p.cadence)
    .bind(p.keep_n)
    .bind(&p.older_than)
    .bind(&p.name_regex)
    .bind(&p.name_regex_keep)
    .bind(p.next_run_at)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(())
}

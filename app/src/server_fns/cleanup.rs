//! Project settings › Packages and registries › Cleanup policy: the form, its live preview,
//! saving (Maintainer or higher; others get not-found).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::projects::ProjectNav;
use crate::error::AppError;

/// The form's values as text, exactly as the inputs hold them. Posted by the form itself
/// (`fields[enabled]=on`, …), with or without JavaScript.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PolicyFields {
    /// A checkbox: absent when unchecked, `on` from a form, a boolean from the client.
    #[serde(default, deserialize_with = "checkbox")]
    pub enabled: bool,
    pub cadence: String,
    /// Empty: keep none by count.
    pub keep_n: String,
    /// Empty: any age.
    pub older_than: String,
    pub name_regex: String,
    pub name_regex_keep: String,
}

/// A checkbox's value: `true`/`on` (a form sends the input's `value`, `on` by default).
fn checkbox<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Posted {
        Flag(bool),
        Text(String),
    }
    Ok(match Posted::deserialize(d)? {
        Posted::Flag(b) => b,
        Posted::Text(t) => matches!(t.as_str(), "on" | "true" | "1"),
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CleanupSettingsData {
    pub nav: ProjectNav,
    pub fields: PolicyFields,
    /// Saved by a plain form post just before this load (no JavaScript).
    pub saved: bool,
    pub next_run_at: Option<i64>,
    /// (value, label) of each allowed cadence, and of each "older than".
    pub cadences: Vec<(String, String)>,
    pub older_than: Vec<(String, String)>,
    pub keep_n: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PreviewRow {
    pub path: String,
    pub tags: Vec<String>,
    pub bytes_freed: i64,
}

#[cfg(feature = "ssr")]
mod ssr {
    use berth_platform::container_registry::cleanup::{PolicyError, PolicyInput};

    use super::*;

    pub fn input(f: &PolicyFields) -> Result<PolicyInput, AppError> {
        let keep_n = match f.keep_n.trim() {
            "" => None,
            n => Some(n.parse::<i64>().map_err(|_| AppError::Invalid("keep_n must be one of 1, 5, 10, 25, 50, 100".into()))?),
        };
        Ok(PolicyInput {
            enabled: Some(f.enabled),
            cadence: Some(f.cadence.trim().to_string()),
            keep_n: Some(keep_n),
            older_than: Some(Some(f.older_than.trim().to_string()).filter(|s| !s.is_empty())),
            name_regex: Some(Some(f.name_regex.clone())),
            name_regex_keep: Some(Some(f.name_regex_keep.clone())),
        })
    }

    /// The form's label of a policy field, so an error names the field as the form does.
    pub fn label(field: &str) -> &str {
        match field {
            "name_regex" => "Remove tags matching",
            "name_regex_keep" => "Keep tags matching",
            "keep_n" => "Keep the most recent",
            "older_than" => "Remove tags older than",
            "cadence" => "Run cleanup",
            "enabled" => "Enabled",
            other => other,
        }
    }

    pub fn refused(e: PolicyError) -> AppError {
        match e {
            PolicyError::Invalid { field, reason } => {
                // "is an invalid regexp: …" reads as a sentence after the field name only in
                // the REST wording; the form says it as GitLab's form does.
                let reason = reason.strip_prefix("is ").unwrap_or(&reason).replacen("an invalid regexp", "invalid regular expression", 1);
                AppError::Invalid(format!("{}: {reason}", label(field)))
            }
            PolicyError::Database(e) => e.into(),
        }
    }

    pub async fn maintained(path: &str) -> Result<(crate::server_fns::ctx::Ctx, crate::server_fns::ctx::ViewedProject), AppError> {
        let cx = crate::server_fns::ctx::ctx().await?;
        let viewed = cx.project(path).await?;
        if !viewed.can(berth_platform::permissions::Action::AdminCleanupPolicy) {
            return Err(AppError::NotFound);
        }
        Ok((cx, viewed))
    }
}

#[server(prefix = "/-/fn", endpoint = "cleanup_settings")]
pub async fn cleanup_settings(path: String) -> Result<CleanupSettingsData, AppError> {
    use berth_platform::container_registry::cleanup::{load, Cadence, OlderThan, KEEP_N_VALUES};

    let (cx, viewed) = ssr::maintained(&path).await?;
    let p = load(cx.db(), viewed.project.id).await?;
    Ok(CleanupSettingsData {
        nav: super::projects::nav_of(&viewed),
        fields: PolicyFields {
            enabled: p.enabled,
            cadence: p.cadence.as_str().to_string(),
            keep_n: p.keep_n.map(|n| n.to_string()).unwrap_or_default(),
            older_than: p.older_than.map(|o| o.as_str().to_string()).unwrap_or_default(),
            name_regex: p.name_regex.clone().unwrap_or_default(),
            name_regex_keep: p.name_regex_keep.clone().unwrap_or_default(),
        },
        next_run_at: p.next_run_at.filter(|_| p.enabled),
        cadences: Cadence::ALL.iter().map(|c| (c.as_str().to_string(), c.label().to_string())).collect(),
        older_than: OlderThan::ALL.iter().map(|o| (o.as_str().to_string(), o.label().to_string())).collect(),
        keep_n: KEEP_N_VALUES.to_vec(),
        saved: matches!(super::flash::take(), Some(super::flash::Flash::CleanupSaved)),
    })
}

/// What the policy in the form would delete right now, per repository (nothing is deleted).
#[server(prefix = "/-/fn", endpoint = "preview_cleanup_policy")]
pub async fn preview_cleanup_policy(path: String, fields: PolicyFields) -> Result<Vec<PreviewRow>, AppError> {
    use berth_platform::container_registry::cleanup::{load, preview, CleanupError};

    let (cx, viewed) = ssr::maintained(&path).await?;
    let saved = load(cx.db(), viewed.project.id).await?;
    let policy = saved.apply(&ssr::input(&fields)?).map_err(ssr::refused)?;
    let rows =
        preview(cx.db(), &cx.server.registry, &viewed.project.full_path, &policy, berth_db::now_millis()).await.map_err(|e| match e {
            CleanupError::Policy(p) => ssr::refused(p),
            other => {
                tracing::error!(error = %other, "cleanup preview failed");
                AppError::Internal
            }
        })?;
    Ok(rows.into_iter().map(|r| PreviewRow { path: r.path, tags: r.tags, bytes_freed: r.bytes_freed }).collect())
}

#[server(prefix = "/-/fn", endpoint = "save_cleanup_policy")]
pub async fn save_cleanup_policy(path: String, fields: PolicyFields) -> Result<(), AppError> {
    let (cx, viewed) = ssr::maintained(&path).await?;
    berth_platform::container_registry::cleanup::save(cx.db(), viewed.project.id, &ssr::input(&fields)?, berth_db::now_millis())
        .await
        .map_err(ssr::refused)?;
    super::flash::leave(&super::flash::Flash::CleanupSaved);
    Ok(())
}

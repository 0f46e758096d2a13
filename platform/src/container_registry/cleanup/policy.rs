//! The cleanup policy of one project: its fields, their allowed values and defaults (spec
//! storage-lifecycle.md, "Cleanup policies"), and how a change is validated and applied.
//! Pure: storing it is `store`'s job.

use regex::Regex;

use crate::container_registry::tag_rules::compile_whole;

const DAY_MS: i64 = 86_400_000;

/// How often an enabled policy runs. A month counts as 30 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    OneDay,
    SevenDays,
    FourteenDays,
    OneMonth,
    ThreeMonths,
}

impl Cadence {
    pub const ALL: [Cadence; 5] = [Cadence::OneDay, Cadence::SevenDays, Cadence::FourteenDays, Cadence::OneMonth, Cadence::ThreeMonths];

    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::OneDay => "1d",
            Cadence::SevenDays => "7d",
            Cadence::FourteenDays => "14d",
            Cadence::OneMonth => "1month",
            Cadence::ThreeMonths => "3month",
        }
    }

    /// What the settings form shows.
    pub fn label(self) -> &'static str {
        match self {
            Cadence::OneDay => "Every day",
            Cadence::SevenDays => "Every week",
            Cadence::FourteenDays => "Every two weeks",
            Cadence::OneMonth => "Every month",
            Cadence::ThreeMonths => "Every three months",
        }
    }

    pub fn parse(s: &str) -> Option<Cadence> {
        Cadence::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn millis(self) -> i64 {
        DAY_MS
            * match self {
                Cadence::OneDay => 1,
                Cadence::SevenDays => 7,
                Cadence::FourteenDays => 14,
                Cadence::OneMonth => 30,
                Cadence::ThreeMonths => 90,
            }
    }
}

/// The allowed `keep_n` values (besides none).
pub const KEEP_N_VALUES: [u32; 6] = [1, 5, 10, 25, 50, 100];

/// How old a tag must be before the policy removes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OlderThan {
    SevenDays,
    FourteenDays,
    ThirtyDays,
    NinetyDays,
}

impl OlderThan {
    pub const ALL: [OlderThan; 4] = [OlderThan::SevenDays, OlderThan::FourteenDays, OlderThan::ThirtyDays, OlderThan::NinetyDays];

    pub fn as_str(self) -> &'static str {
        match self {
            OlderThan::SevenDays => "7d",
            OlderThan::FourteenDays => "14d",
            OlderThan::ThirtyDays => "30d",
            OlderThan::NinetyDays => "90d",
        }
    }

    /// What the settings form shows.
    pub fn label(self) -> &'static str {
        match self {
            OlderThan::SevenDays => "7 days",
            OlderThan::FourteenDays => "14 days",
            OlderThan::ThirtyDays => "30 days",
            OlderThan::NinetyDays => "90 days",
        }
    }

    pub fn parse(s: &str) -> Option<OlderThan> {
        OlderThan::ALL.into_iter().find(|o| o.as_str() == s)
    }

    pub fn millis(self) -> i64 {
        DAY_MS
            * match self {
                OlderThan::SevenDays => 7,
                OlderThan::FourteenDays => 14,
                OlderThan::ThirtyDays => 30,
                OlderThan::NinetyDays => 90,
            }
    }
}

/// A project's cleanup policy (the defaults when none was saved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanupPolicy {
    pub enabled: bool,
    pub cadence: Cadence,
    /// Keep the most recent `keep_n` tags; `None` keeps none for this reason.
    pub keep_n: Option<u32>,
    /// Remove only tags older than this; `None` removes regardless of age.
    pub older_than: Option<OlderThan>,
    /// Remove tags whose whole name matches; `None` (empty) matches no tag.
    pub name_regex: Option<String>,
    /// Keep tags whose whole name matches (wins over `name_regex`); `None` keeps none.
    pub name_regex_keep: Option<String>,
    /// When an enabled policy runs next (ms); `None` when disabled.
    pub next_run_at: Option<i64>,
}

impl Default for CleanupPolicy {
    /// The spec's defaults for a new project.
    fn default() -> Self {
        CleanupPolicy {
            enabled: false,
            cadence: Cadence::OneDay,
            keep_n: Some(10),
            older_than: Some(OlderThan::NinetyDays),
            name_regex: Some(".*".into()),
            name_regex_keep: None,
            next_run_at: None,
        }
    }
}

/// A change to a policy: only the fields present change. For the nullable fields the inner
/// `None` means "none" (an empty string is read as none too).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyInput {
    pub enabled: Option<bool>,
    pub cadence: Option<String>,
    pub keep_n: Option<Option<i64>>,
    pub older_than: Option<Option<String>>,
    pub name_regex: Option<Option<String>>,
    pub name_regex_keep: Option<Option<String>>,
}

/// Why a policy change was refused: a value breaks a rule (the field and why; for a regex
/// with the error position), or the database failed.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{field} {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("database error: {0}")]
    Database(#[from] berth_db::sqlx::Error),
}

impl PolicyError {
    fn new(field: &'static str, reason: impl Into<String>) -> PolicyError {
        PolicyError::Invalid { field, reason: reason.into() }
    }

    /// The refused field (`None` for a database error).
    pub fn field(&self) -> Option<&'static str> {
        match self {
            PolicyError::Invalid { field, .. } => Some(field),
            PolicyError::Database(_) => None,
        }
    }

    /// Why the field was refused (empty for a database error).
    pub fn reason(&self) -> &str {
        match self {
            PolicyError::Invalid { reason, .. } => reason,
            PolicyError::Database(_) => "",
        }
    }
}

/// The compiled regexes of a policy, for evaluation.
#[derive(Debug, Clone)]
pub struct PolicyRegexes {
    pub name_regex: Option<Regex>,
    pub name_regex_keep: Option<Regex>,
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|s| !s.is_empty())
}

/// Compiles a stored or submitted regex; the error names the field and the position.
fn compile(field: &'static str, pattern: &str) -> Result<Regex, PolicyError> {
    compile_whole(field, pattern).map_err(|message| {
        let reason = message.strip_prefix(field).unwrap_or(&message).trim_start().to_string();
        PolicyError::new(field, reason)
    })
}

impl CleanupPolicy {
    /// The policy with `input` applied, every given value checked; `next_run_at` is left
    /// as it was (see [`CleanupPolicy::reschedule`]).
    pub fn apply(&self, input: &PolicyInput) -> Result<CleanupPolicy, PolicyError> {
        let mut p = self.clone();
        if let Some(enabled) = input.enabled {
            p.enabled = enabled;
        }
        if let Some(cadence) = &input.cadence {
            p.cadence = Cadence::parse(cadence).ok_or_else(|| PolicyError::new("cadence", "must be one of 1d, 7d, 14d, 1month, 3month"))?;
        }
        if let Some(keep_n) = input.keep_n {
            p.keep_n = match keep_n {
                None => None,
                Some(n) => match KEEP_N_VALUES.iter().find(|v| i64::from(**v) == n) {
                    Some(v) => Some(*v),
                    None => return Err(PolicyError::new("keep_n", "must be one of 1, 5, 10, 25, 50, 100 or null")),
                },
            };
        }
        if let Some(older_than) = &input.older_than {
            p.older_than = match non_empty(older_than.clone()) {
                None => None,
                Some(o) => {
                    Some(OlderThan::parse(&o).ok_or_else(|| PolicyError::new("older_than", "must be one of 7d, 14d, 30d, 90d or null"))?)
                }
            };
        }
        if let Some(regex) = &input.name_regex {
            p.name_regex = non_empty(regex.clone());
        }
        if let Some(regex) = &input.name_regex_keep {
            p.name_regex_keep = non_empty(regex.clone());
        }
        if input.name_regex.is_some() || input.name_regex_keep.is_some() {
            p.regexes()?;
        }
        Ok(p)
    }

    /// Both regexes compiled (whole-name match); the error names the field and position.
    pub fn regexes(&self) -> Result<PolicyRegexes, PolicyError> {
        Ok(PolicyRegexes {
            name_regex: self.name_regex.as_deref().map(|r| compile("name_regex", r)).transpose()?,
            name_regex_keep: self.name_regex_keep.as_deref().map(|r| compile("name_regex_keep", r)).transpose()?,
        })
    }

    /// Sets `next_run_at` after a change from `previous` (`None`: nothing saved before):
    /// disabled → none; newly enabled, cadence changed or never scheduled → `now + cadence`;
    /// otherwise the schedule stays.
    pub fn reschedule(&mut self, previous: Option<&CleanupPolicy>, now: i64) {
        let restart = previous.is_none_or(|w| !w.enabled || w.cadence != self.cadence || w.next_run_at.is_none());
        self.next_run_at = if !self.enabled {
            None
        } else if restart {
            Some(now + self.cadence.millis())
        } else {
            previous.and_then(|w| w.next_run_at)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> PolicyInput {
        PolicyInput::default()
    }

    #[test]
    fn defaults_follow_the_spec_table() {
        let p = CleanupPolicy::default();
        assert!(!p.enabled);
        assert_eq!(p.cadence.as_str(), "1d");
        assert_eq!(p.keep_n, Some(10));
        assert_eq!(p.older_than.map(OlderThan::as_str), Some("90d"));
        assert_eq!(p.name_regex.as_deref(), Some(".*"));
        assert_eq!(p.name_regex_keep, None);
    }

    #[test]
    fn only_allowed_values_are_accepted() {
        let p = CleanupPolicy::default();
        for c in ["1d", "7d", "14d", "1month", "3month"] {
            assert_eq!(p.apply(&PolicyInput { cadence: Some(c.into()), ..input() }).unwrap().cadence.as_str(), c);
        }
        for bad in ["2d", "1w", "", "1 month"] {
            assert_eq!(p.apply(&PolicyInput { cadence: Some(bad.into()), ..input() }).unwrap_err().field(), Some("cadence"), "{bad}");
        }
        for n in [1, 5, 10, 25, 50, 100] {
            assert_eq!(p.apply(&PolicyInput { keep_n: Some(Some(n)), ..input() }).unwrap().keep_n, Some(n as u32));
        }
        assert_eq!(p.apply(&PolicyInput { keep_n: Some(None), ..input() }).unwrap().keep_n, None);
        for bad in [0, 2, 3, 101, -1] {
            assert_eq!(p.apply(&PolicyInput { keep_n: Some(Some(bad)), ..input() }).unwrap_err().field(), Some("keep_n"), "{bad}");
        }
        for o in ["7d", "14d", "30d", "90d"] {
            let applied = p.apply(&PolicyInput { older_than: Some(Some(o.into())), ..input() }).unwrap();
            assert_eq!(applied.older_than.map(OlderThan::as_str), Some(o));
        }
        assert_eq!(p.apply(&PolicyInput { older_than: Some(Some(String::new())), ..input() }).unwrap().older_than, None);
        for bad in ["1d", "60d", "1month"] {
            assert_eq!(p.apply(&PolicyInput { older_than: Some(Some(bad.into())), ..input() }).unwrap_err().field(), Some("older_than"));
        }
    }

    #[test]
    fn regexes_are_checked_with_their_position_and_length() {
        let p = CleanupPolicy::default();
        let e = p.apply(&PolicyInput { name_regex: Some(Some("v(1".into())), ..input() }).unwrap_err();
        assert_eq!(e.field(), Some("name_regex"));
        assert!(e.reason().contains("position") && !e.reason().starts_with("name_regex"), "{e}");
        let e = p.apply(&PolicyInput { name_regex_keep: Some(Some("ab[".into())), ..input() }).unwrap_err();
        assert_eq!(e.field(), Some("name_regex_keep"));
        assert!(e.to_string().starts_with("name_regex_keep ") && e.reason().contains("position 2"), "{e}");
        let e = p.apply(&PolicyInput { name_regex: Some(Some("a".repeat(256))), ..input() }).unwrap_err();
        assert!(e.reason().contains("255"), "{e}");
        assert!(p.apply(&PolicyInput { name_regex: Some(Some("a".repeat(255))), ..input() }).is_ok());
        let cleared = p.apply(&PolicyInput { name_regex: Some(Some(String::new())), ..input() }).unwrap();
        assert_eq!(cleared.name_regex, None, "empty means none");
    }

    #[test]
    fn enabling_or_changing_the_cadence_schedules_the_next_run() {
        let now = 1_000_000;
        let mut enabled = CleanupPolicy::default().apply(&PolicyInput { enabled: Some(true), ..input() }).unwrap();
        enabled.reschedule(None, now);
        assert_eq!(enabled.next_run_at, Some(now + DAY_MS), "enabling schedules now + cadence");

        let mut same = enabled.apply(&PolicyInput { keep_n: Some(Some(5)), ..input() }).unwrap();
        same.reschedule(Some(&enabled), now + 500);
        assert_eq!(same.next_run_at, enabled.next_run_at, "other changes keep the schedule");

        let mut weekly = enabled.apply(&PolicyInput { cadence: Some("7d".into()), ..input() }).unwrap();
        weekly.reschedule(Some(&enabled), now + 500);
        assert_eq!(weekly.next_run_at, Some(now + 500 + 7 * DAY_MS), "a new cadence starts over");

        let mut off = weekly.apply(&PolicyInput { enabled: Some(false), ..input() }).unwrap();
        off.reschedule(Some(&weekly), now + 600);
        assert_eq!(off.next_run_at, None, "disabled policies are not scheduled");

        let mut months = CleanupPolicy { enabled: true, cadence: Cadence::ThreeMonths, ..CleanupPolicy::default() };
        months.reschedule(Some(&off), now);
        assert_eq!(months.next_run_at, Some(now + 90 * DAY_MS));
    }
}

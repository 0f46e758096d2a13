//! The nine evaluation steps of a cleanup policy for one repository, exactly in the spec's
//! order. Pure: the caller lists the tags and deletes what comes back.

use regex::Regex;

use berth_registry::meta::TagRecord;

use super::policy::{CleanupPolicy, PolicyRegexes};
use crate::container_registry::tag_rules::tag_time;

/// What evaluation needs to know about a tag.
pub trait CleanupTag {
    fn name(&self) -> &str;
    /// Whether the tag points at a manifest the registry knows.
    fn has_manifest(&self) -> bool;
    /// The time that orders tags and decides their age (ms).
    fn created_at(&self) -> i64;
}

impl CleanupTag for TagRecord {
    fn name(&self) -> &str {
        &self.name
    }
    fn has_manifest(&self) -> bool {
        // A tag row always references its manifest (foreign key).
        true
    }
    fn created_at(&self) -> i64 {
        tag_time(self)
    }
}

/// The rules evaluation applies.
#[derive(Debug, Clone)]
pub struct Rules<'r> {
    /// Step 3: only tags whose whole name matches are candidates; `None` matches no tag.
    pub name_regex: Option<&'r Regex>,
    /// Step 4: tags whose whole name matches are kept.
    pub name_regex_keep: Option<&'r Regex>,
    /// Step 7: the newest `keep_n` candidates are kept.
    pub keep_n: Option<usize>,
    /// Step 8: candidates younger than this (ms) are kept.
    pub older_than: Option<i64>,
}

impl<'r> Rules<'r> {
    /// A policy's rules, with its regexes compiled by [`CleanupPolicy::regexes`].
    pub fn of_policy(policy: &CleanupPolicy, regexes: &'r PolicyRegexes) -> Rules<'r> {
        Rules {
            name_regex: regexes.name_regex.as_ref(),
            name_regex_keep: regexes.name_regex_keep.as_ref(),
            keep_n: policy.keep_n.map(|n| n as usize),
            older_than: policy.older_than.map(|o| o.millis()),
        }
    }
}

/// The tags to delete (step 9), newest first; ties in time go by name.
pub fn tags_to_delete<'a, T: CleanupTag>(tags: &'a [T], rules: &Rules<'_>, now: i64) -> Vec<&'a T> {
    // 1. take all tags
    let all = tags.iter();
    // 2. drop the tag named `latest`
    let not_latest = all.filter(|t| t.name() != "latest");
    // 3. keep only tags whose name matches `name_regex`
    let matching = not_latest.filter(|t| rules.name_regex.is_some_and(|r| r.is_match(t.name())));
    // 4. drop tags whose name matches `name_regex_keep`
    let not_kept = matching.filter(|t| !rules.name_regex_keep.is_some_and(|k| k.is_match(t.name())));
    // 5. drop tags without a manifest
    let mut candidates: Vec<&T> = not_kept.filter(|t| t.has_manifest()).collect();
    // 6. order the rest by creation time, newest first
    candidates.sort_by(|a, b| b.created_at().cmp(&a.created_at()).then_with(|| a.name().cmp(b.name())));
    // 7. drop the first `keep_n`
    let beyond_keep_n = candidates.into_iter().skip(rules.keep_n.unwrap_or(0));
    // 8. drop tags younger than `older_than`
    let old_enough = beyond_keep_n.filter(|t| rules.older_than.is_none_or(|age| now - t.created_at() >= age));
    // 9. delete what remains
    old_enough.collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container_registry::tag_rules::compile_whole;

    const DAY: i64 = 86_400_000;
    const NOW: i64 = 1_000 * DAY;

    struct Tag {
        name: &'static str,
        manifest: bool,
        days_old: i64,
    }

    impl CleanupTag for Tag {
        fn name(&self) -> &str {
            self.name
        }
        fn has_manifest(&self) -> bool {
            self.manifest
        }
        fn created_at(&self) -> i64 {
            NOW - self.days_old * DAY
        }
    }

    const FIFTEEN: [&str; 15] = ["t00", "t01", "t02", "t03", "t04", "t05", "t06", "t07", "t08", "t09", "t10", "t11", "t12", "t13", "t14"];

    fn t(name: &'static str, days_old: i64) -> Tag {
        Tag { name, manifest: true, days_old }
    }

    fn untagged(name: &'static str, days_old: i64) -> Tag {
        Tag { name, manifest: false, days_old }
    }

    struct Case {
        what: &'static str,
        tags: Vec<Tag>,
        name_regex: Option<&'static str>,
        name_regex_keep: Option<&'static str>,
        keep_n: Option<usize>,
        older_than_days: Option<i64>,
        deleted: Vec<&'static str>,
    }

    fn case(what: &'static str, tags: Vec<Tag>, deleted: Vec<&'static str>) -> Case {
        Case { what, tags, name_regex: Some(".*"), name_regex_keep: None, keep_n: None, older_than_days: None, deleted }
    }

    #[test]
    fn the_nine_steps_in_order() {
        let cases = vec![
            case("everything but latest goes", vec![t("latest", 100), t("a", 3), t("b", 2)], vec!["b", "a"]),
            Case {
                what: "latest is kept even when it matches and is old",
                name_regex: Some("lat.*"),
                ..case("", vec![t("latest", 500), t("later", 500)], vec!["later"])
            },
            Case {
                what: "name_regex selects candidates by whole name",
                name_regex: Some("v\\d+"),
                ..case("", vec![t("v1", 5), t("v12", 4), t("v1-rc", 3), t("xv1", 2)], vec!["v12", "v1"])
            },
            Case {
                what: "keep regex beats remove regex",
                name_regex: Some("v.*"),
                name_regex_keep: Some("v1.*|stable"),
                ..case("", vec![t("v1", 9), t("v10", 8), t("v2", 7), t("stable", 6)], vec!["v2"])
            },
            Case {
                what: "keep_n keeps the newest by creation time, not by name",
                keep_n: Some(2),
                ..case("", vec![t("a", 1), t("b", 5), t("c", 3), t("d", 4), t("e", 2)], vec!["c", "d", "b"])
            },
            Case {
                what: "keep_n counts only candidates (latest and kept tags do not use it up)",
                keep_n: Some(1),
                name_regex_keep: Some("keep"),
                ..case("", vec![t("latest", 0), t("keep", 0), t("x", 1), t("y", 2)], vec!["y"])
            },
            Case {
                what: "older_than keeps young tags",
                older_than_days: Some(30),
                ..case("", vec![t("new", 29), t("edge", 30), t("old", 31)], vec!["edge", "old"])
            },
            Case {
                what: "keep_n is applied before older_than",
                keep_n: Some(1),
                older_than_days: Some(10),
                ..case("", vec![t("o1", 40), t("o2", 50), t("young", 5)], vec!["o1", "o2"])
            },
            Case {
                what: "keep_n on old tags only: the newest old one is still kept when it is first",
                keep_n: Some(1),
                older_than_days: Some(10),
                ..case("", vec![t("o1", 40), t("o2", 50)], vec!["o2"])
            },
            case("tags without a manifest are skipped", vec![untagged("ghost", 400), t("real", 400)], vec!["real"]),
            Case {
                what: "untagged candidates do not use up keep_n",
                keep_n: Some(1),
                ..case("", vec![untagged("ghost", 1), t("a", 2), t("b", 3)], vec!["b"])
            },
            Case { what: "an empty name_regex removes nothing", name_regex: None, ..case("", vec![t("a", 400), t("b", 400)], vec![]) },
            Case {
                what: "the spec defaults (.*, keep 10, 90 days)",
                keep_n: Some(10),
                older_than_days: Some(90),
                // t00 is 80 days old, each next one 2 days older: the 10 newest stay, then
                // t10 (100 days) to t14 are old enough.
                ..case(
                    "",
                    FIFTEEN.iter().enumerate().map(|(i, n)| t(n, 80 + 2 * i as i64)).collect(),
                    vec!["t10", "t11", "t12", "t13", "t14"],
                )
            },
            Case {
                what: "keep_n larger than the candidates keeps all",
                keep_n: Some(5),
                ..case("", vec![t("a", 100), t("b", 200)], vec![])
            },
            case("equal times order by name", vec![t("b", 5), t("a", 5)], vec!["a", "b"]),
        ];
        for c in cases {
            let name_regex = c.name_regex.map(|r| compile_whole("name_regex", r).unwrap());
            let keep = c.name_regex_keep.map(|r| compile_whole("name_regex_keep", r).unwrap());
            let rules = Rules {
                name_regex: name_regex.as_ref(),
                name_regex_keep: keep.as_ref(),
                keep_n: c.keep_n,
                older_than: c.older_than_days.map(|d| d * DAY),
            };
            let deleted: Vec<&str> = tags_to_delete(&c.tags, &rules, NOW).into_iter().map(|t| t.name).collect();
            assert_eq!(deleted, c.deleted, "{}", c.what);
        }
    }
}

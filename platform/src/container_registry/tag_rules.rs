//! Which tags a bulk delete (or a cleanup policy) removes: whole-name RE2 regexes, never
//! `latest`, the keep regex wins, the newest `keep_n` stay, tags younger than `older_than` stay.

use berth_registry::meta::TagRecord;
use regex::Regex;

use super::cleanup::evaluate::{tags_to_delete, Rules};

/// Longest regex a policy or bulk request may hold.
pub const MAX_REGEX_LEN: usize = 255;

/// Compiles `pattern` so that it must match the whole tag name. The error names the field
/// and, for syntax errors, the position (0-based character offset) and what is wrong.
pub fn compile_whole(field: &str, pattern: &str) -> Result<Regex, String> {
    if pattern.chars().count() > MAX_REGEX_LEN {
        return Err(format!("{field} is too long (maximum is {MAX_REGEX_LEN} characters)"));
    }
    if let Err(e) = regex_syntax::ast::parse::Parser::new().parse(pattern) {
        let offset = e.span().start.offset;
        let position = pattern[..offset.min(pattern.len())].chars().count();
        return Err(format!("{field} is an invalid regexp: {} at position {position}", e.kind()));
    }
    Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
        let detail = e.to_string();
        let last = detail.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("invalid").trim().to_string();
        format!("{field} is an invalid regexp: {last}")
    })
}

/// The tag time used for ordering and age: when the tag last pointed at its image.
pub fn tag_time(tag: &TagRecord) -> i64 {
    tag.updated_at.max(tag.created_at)
}

#[derive(Debug, Clone)]
pub struct TagSelection {
    pub delete: Regex,
    pub keep: Option<Regex>,
    pub keep_n: Option<usize>,
    /// Only tags at least this old (milliseconds) are deleted.
    pub older_than: Option<i64>,
}

impl TagSelection {
    /// The tags to delete, newest first: the cleanup policy's evaluation with these rules.
    pub fn select<'a>(&self, tags: &'a [TagRecord], now: i64) -> Vec<&'a TagRecord> {
        let rules =
            Rules { name_regex: Some(&self.delete), name_regex_keep: self.keep.as_ref(), keep_n: self.keep_n, older_than: self.older_than };
        tags_to_delete(tags, &rules, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(name: &str, at: i64) -> TagRecord {
        TagRecord {
            name: name.into(),
            digest: format!("sha256:{name}"),
            media_type: "application/vnd.oci.image.manifest.v1+json".into(),
            manifest_size: 1,
            total_size: 2,
            config_digest: None,
            created_at: at,
            updated_at: at,
            pushed_at: at,
        }
    }

    #[test]
    fn regexes_match_whole_names_and_report_positions() {
        let r = compile_whole("name_regex", "v1").unwrap();
        assert!(r.is_match("v1") && !r.is_match("v10") && !r.is_match("xv1"));
        let a = compile_whole("name_regex", "a|b").unwrap();
        assert!(a.is_match("a") && !a.is_match("ab"));
        let e = compile_whole("name_regex", "v(1").unwrap_err();
        assert!(e.contains("name_regex") && e.contains("position"), "{e}");
        let e = compile_whole("name_regex_keep", "ab[").unwrap_err();
        assert!(e.contains("position 2"), "{e}");
        // Look-around is not RE2.
        assert!(compile_whole("name_regex", "(?=x)").is_err());
        assert!(compile_whole("name_regex", &"a".repeat(256)).unwrap_err().contains("255"));
    }

    #[test]
    fn selection_follows_the_documented_order() {
        let tags = vec![tag("latest", 1), tag("v1", 10), tag("v2", 20), tag("v3", 30), tag("keep-me", 5), tag("dev", 40)];
        let all = TagSelection { delete: compile_whole("x", ".*").unwrap(), keep: None, keep_n: None, older_than: None };
        let names = |sel: &TagSelection, now| sel.select(&tags, now).iter().map(|t| t.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&all, 100), vec!["dev", "v3", "v2", "v1", "keep-me"]);
        let keep = TagSelection { keep: Some(compile_whole("x", "keep-.*").unwrap()), keep_n: Some(1), ..all.clone() };
        assert_eq!(names(&keep, 100), vec!["v3", "v2", "v1"]);
        let only_v = TagSelection { delete: compile_whole("x", "v.*").unwrap(), keep_n: Some(1), older_than: Some(75), ..all.clone() };
        assert_eq!(names(&only_v, 100), vec!["v2", "v1"], "v3 is newest; v2 is 80 old, v1 90");
        let only_v = TagSelection { older_than: Some(85), ..only_v };
        assert_eq!(names(&only_v, 100), vec!["v1"]);
    }
}

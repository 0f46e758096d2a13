//! Name rules (spec: registry-protocol.md › Names) for group, project and user paths and for
//! whole repository paths. Errors are sentences a user can act on.

/// The longest repository path the registry accepts.
pub const MAX_REPOSITORY_PATH_LEN: usize = 255;

/// How many segments may follow a project's full path in a repository path
/// (`group/project`, `group/project/image`, `group/project/my/image`).
pub const MAX_IMAGE_SEGMENTS: usize = 2;

/// Whether `s` matches the OCI name component rule: lowercase letters and digits separated by
/// `.`, `_`, `__` or runs of `-`.
pub fn is_oci_component(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !is_alnum(b[0]) || !is_alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if is_alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !is_alnum(b[i]) {
            i += 1;
        }
        let sep = &s[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|c| c == b'-');
        if !ok {
            return false;
        }
    }
    true
}

fn is_alnum(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// Checks a group, project or user path (one segment). `what` names the thing in messages,
/// e.g. "group path".
pub fn validate_path(what: &str, path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err(format!("{what} must not be empty"));
    }
    if path.len() > MAX_REPOSITORY_PATH_LEN {
        return Err(format!("{what} {path:?} is longer than {MAX_REPOSITORY_PATH_LEN} characters"));
    }
    if path.starts_with('_') || path.starts_with('-') {
        return Err(format!("{what} {path:?} must not start with '_' or '-'"));
    }
    if path.ends_with('-') || path.ends_with('.') {
        return Err(format!("{what} {path:?} must not end with '-' or '.'"));
    }
    for reserved in [".git", ".atom"] {
        if path.ends_with(reserved) {
            return Err(format!("{what} {path:?} must not end with {reserved:?} (reserved)"));
        }
    }
    if !is_oci_component(path) {
        return Err(format!(
            "{what} {path:?} may contain only lowercase letters and digits, separated by '.', '_', '__' or '-' \
             (no uppercase, no '/', no two separators in a row other than '__' or several '-')"
        ));
    }
    Ok(())
}

/// Checks a whole repository path: every segment an OCI name component, at most 255 characters.
pub fn validate_repository_path(path: &str) -> Result<(), String> {
    if path.len() > MAX_REPOSITORY_PATH_LEN {
        return Err(format!("repository path is longer than {MAX_REPOSITORY_PATH_LEN} characters"));
    }
    if path.split('/').all(is_oci_component) {
        Ok(())
    } else {
        Err(format!(
            "repository path {path:?} is invalid: each '/'-separated segment may contain only lowercase \
             letters and digits, separated by '.', '_', '__' or '-'"
        ))
    }
}

/// The project full paths a repository path may begin with, longest first: the path itself
/// and the path minus one or two trailing segments, keeping at least `namespace/project`.
pub fn candidate_project_paths(repository_path: &str) -> Vec<&str> {
    let mut out = vec![];
    let mut current = repository_path;
    for dropped in 0..=MAX_IMAGE_SEGMENTS {
        if current.matches('/').count() < 1 {
            break;
        }
        out.push(current);
        if dropped == MAX_IMAGE_SEGMENTS {
            break;
        }
        match current.rsplit_once('/') {
            Some((head, _)) => current = head,
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oci_components() {
        for ok in ["a", "a1", "a.b", "a_b", "a__b", "a-b", "a---b", "a.b-c_d__e", "0"] {
            assert!(is_oci_component(ok), "{ok}");
        }
        for bad in ["", "A", "a..b", "a___b", "a_.b", "a-.b", ".a", "a.", "-a", "a-", "_a", "a/b", "é", "a b"] {
            assert!(!is_oci_component(bad), "{bad}");
        }
    }

    #[test]
    fn path_rules_name_the_rule_broken() {
        assert!(validate_path("project path", "my-project.v2").is_ok());
        assert!(validate_path("project path", "").unwrap_err().contains("empty"));
        assert!(validate_path("project path", "_x").unwrap_err().contains("start with"));
        assert!(validate_path("project path", "-x").unwrap_err().contains("start with"));
        assert!(validate_path("project path", "x-").unwrap_err().contains("end with '-' or '.'"));
        assert!(validate_path("project path", "x.").unwrap_err().contains("end with '-' or '.'"));
        assert!(validate_path("project path", "x.git").unwrap_err().contains(".git"));
        assert!(validate_path("group path", "x.atom").unwrap_err().contains(".atom"));
        assert!(validate_path("group path", "Upper").unwrap_err().contains("lowercase"));
        assert!(validate_path("group path", "a..b").unwrap_err().contains("lowercase"));
        assert!(validate_path("group path", &"a".repeat(256)).unwrap_err().contains("255"));
    }

    #[test]
    fn repository_paths() {
        assert!(validate_repository_path("group/sub/project/my/image").is_ok());
        assert!(validate_repository_path("group//x").is_err());
        assert!(validate_repository_path("group/X").is_err());
        assert!(validate_repository_path(&format!("g/{}", "a".repeat(254))).is_err());
    }

    #[test]
    fn candidates_keep_at_most_two_image_segments() {
        assert_eq!(candidate_project_paths("g/p"), vec!["g/p"]);
        assert_eq!(candidate_project_paths("g/p/i"), vec!["g/p/i", "g/p"]);
        assert_eq!(candidate_project_paths("g/s/p/my/i"), vec!["g/s/p/my/i", "g/s/p/my", "g/s/p"]);
        assert!(candidate_project_paths("single").is_empty());
    }
}

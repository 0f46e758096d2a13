//! Repository name and tag validation (OCI distribution spec rules).

/// Maximum length of a whole repository name.
pub const MAX_NAME_LEN: usize = 255;

/// `^[a-z0-9]+(([._]|__|-*)[a-z0-9]+)*(/[a-z0-9]+(([._]|__|-*)[a-z0-9]+)*)*$`, at most 255
/// characters. Groups/projects have stricter rules, enforced where they are created.
pub fn is_valid_repository_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= MAX_NAME_LEN && name.split('/').all(is_valid_component)
}

fn is_valid_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        // a separator: ".", "_", "__" or a run of "-"
        let start = i;
        match b[i] {
            b'.' => i += 1,
            b'_' => {
                i += 1;
                if i < b.len() && b[i] == b'_' {
                    i += 1;
                }
            }
            b'-' => {
                while i < b.len() && b[i] == b'-' {
                    i += 1;
                }
            }
            _ => return false,
        }
        if i >= b.len() || !alnum(b[i]) || i == start {
            return false;
        }
    }
    true
}

/// `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`
pub fn is_valid_tag(tag: &str) -> bool {
    let b = tag.as_bytes();
    if b.is_empty() || b.len() > 128 {
        return false;
    }
    let first = b[0].is_ascii_alphanumeric() || b[0] == b'_';
    first && b[1..].iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["a", "group/project", "g/p/my/image", "a.b/c_d/e__f/g--h", "a-b", "0"] {
            assert!(is_valid_repository_name(ok), "{ok}");
        }
        for bad in ["", "A", "a/", "/a", "a//b", "-a", "a-", "a..b", "a___b", "a_.b", "a b", "a:b", ".a"] {
            assert!(!is_valid_repository_name(bad), "{bad}");
        }
        assert!(!is_valid_repository_name(&"a".repeat(256)));
        assert!(is_valid_repository_name(&"a".repeat(255)));
    }

    #[test]
    fn tags() {
        assert!(is_valid_tag("latest"));
        assert!(is_valid_tag("_x.Y-1"));
        assert!(is_valid_tag(&"a".repeat(128)));
        assert!(!is_valid_tag(&"a".repeat(129)));
        assert!(!is_valid_tag(".x"));
        assert!(!is_valid_tag("-x"));
        assert!(!is_valid_tag("a:b"));
        assert!(!is_valid_tag(""));
    }
}

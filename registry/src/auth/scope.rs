//! The Docker token scope grammar: `repository:<name>:<action>[,<action>…]`,
//! `registry:catalog:*`.

use std::fmt;

use crate::names::is_valid_repository_name;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// `repository` or `registry` (a `(class)` suffix such as `repository(plugin)` is dropped).
    pub kind: String,
    pub name: String,
    /// As requested; the token service keeps only what the caller may do.
    pub actions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid scope {0:?}")]
pub struct ScopeError(pub String);

const ACTIONS: [&str; 4] = ["pull", "push", "delete", "*"];

/// Parses one `scope` parameter of `/jwt/auth`.
///
/// Accepted: `repository:<valid name>:<pull|push|delete|*>,…` and `registry:catalog:*`.
/// Unknown actions are dropped; an empty action list is an error.
pub fn parse_scope(s: &str) -> Result<Scope, ScopeError> {
    let bad = || ScopeError(s.to_string());
    let (kind, rest) = s.split_once(':').ok_or_else(bad)?;
    let (name, actions) = rest.rsplit_once(':').ok_or_else(bad)?;
    let kind = kind.split_once('(').map(|(k, _)| k).unwrap_or(kind);
    let actions: Vec<String> = actions.split(',').map(str::trim).filter(|a| ACTIONS.contains(a)).map(String::from).collect();
    if actions.is_empty() {
        return Err(bad());
    }
    match kind {
        "repository" if is_valid_repository_name(name) => {}
        "registry" if name == "catalog" => {}
        _ => return Err(bad()),
    }
    Ok(Scope { kind: kind.to_string(), name: name.to_string(), actions })
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.kind, self.name, self.actions.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        let s = parse_scope("repository:a/b:pull,push").unwrap();
        assert_eq!((s.kind.as_str(), s.name.as_str()), ("repository", "a/b"));
        assert_eq!(s.actions, vec!["pull", "push"]);
        assert_eq!(s.to_string(), "repository:a/b:pull,push");
        let c = parse_scope("registry:catalog:*").unwrap();
        assert_eq!(c.actions, vec!["*"]);
        assert_eq!(parse_scope("repository(plugin):a:pull").unwrap().kind, "repository");
        assert!(parse_scope("repository:A:pull").is_err());
        assert!(parse_scope("repository:a:fly").is_err());
        assert!(parse_scope("repository:a").is_err());
        assert!(parse_scope("registry:other:*").is_err());
        assert!(parse_scope("blob:a:pull").is_err());
    }
}

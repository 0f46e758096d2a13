//! The small vocabulary every other module shares: roles, visibility, registry access
//! levels and token scopes, with their database spellings.

use std::fmt;

/// A member's role. The numbers are GitLab's access levels, stored as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Guest = 10,
    Reporter = 20,
    Developer = 30,
    Maintainer = 40,
    Owner = 50,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Guest, Role::Reporter, Role::Developer, Role::Maintainer, Role::Owner];

    pub fn access_level(self) -> i64 {
        self as i64
    }

    pub fn from_access_level(level: i64) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.access_level() == level)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Visibility {
    Private,
    Internal,
    Public,
}

impl Visibility {
    pub const ALL: [Visibility; 3] = [Visibility::Public, Visibility::Internal, Visibility::Private];

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Internal => "internal",
            Visibility::Private => "private",
        }
    }

    pub fn parse(s: &str) -> Option<Visibility> {
        Visibility::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// `container_registry_access_level` of a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegistryAccessLevel {
    /// Everyone with access to the project (follows project visibility).
    Enabled,
    /// Only project members, Reporter or higher.
    Private,
    Disabled,
}

impl RegistryAccessLevel {
    pub const ALL: [RegistryAccessLevel; 3] = [RegistryAccessLevel::Enabled, RegistryAccessLevel::Private, RegistryAccessLevel::Disabled];

    pub fn as_str(self) -> &'static str {
        match self {
            RegistryAccessLevel::Enabled => "enabled",
            RegistryAccessLevel::Private => "private",
            RegistryAccessLevel::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Option<RegistryAccessLevel> {
        RegistryAccessLevel::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A token scope (personal access tokens use all four, deploy tokens the registry two).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Api,
    ReadApi,
    ReadRegistry,
    WriteRegistry,
}

impl Scope {
    pub const ALL: [Scope; 4] = [Scope::Api, Scope::ReadApi, Scope::ReadRegistry, Scope::WriteRegistry];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Api => "api",
            Scope::ReadApi => "read_api",
            Scope::ReadRegistry => "read_registry",
            Scope::WriteRegistry => "write_registry",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|v| v.as_str() == s)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of scopes; `Copy` so that the permission function's inputs stay plain values.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Scopes(u8);

impl Scopes {
    pub const NONE: Scopes = Scopes(0);

    pub fn of(scopes: &[Scope]) -> Scopes {
        Scopes(scopes.iter().fold(0, |acc, s| acc | s.bit()))
    }

    pub fn all() -> Scopes {
        Scopes::of(&Scope::ALL)
    }

    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |s| self.contains(*s))
    }

    /// Every subset of the given scopes (for exhaustive tests and UIs).
    pub fn subsets_of(scopes: &[Scope]) -> Vec<Scopes> {
        (0..1u32 << scopes.len())
            .map(|mask| Scopes::of(&scopes.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, s)| *s).collect::<Vec<_>>()))
            .collect()
    }

    /// The stored form: scope names separated by single spaces.
    pub fn to_db(self) -> String {
        self.iter().map(Scope::as_str).collect::<Vec<_>>().join(" ")
    }

    /// Parses the stored form; unknown names are ignored (a newer schema's scopes grant nothing here).
    pub fn from_db(s: &str) -> Scopes {
        Scopes::of(&s.split_whitespace().filter_map(Scope::parse).collect::<Vec<_>>())
    }

    /// Parses user input: every name must be a known scope.
    pub fn parse_list<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Scopes, String> {
        let mut out = Vec::new();
        for n in names {
            out.push(Scope::parse(n).ok_or_else(|| format!("unknown scope {n:?}: use api, read_api, read_registry or write_registry"))?);
        }
        Ok(Scopes::of(&out))
    }
}

impl fmt::Debug for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(Scope::as_str)).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_through_their_stored_form() {
        for set in Scopes::subsets_of(&Scope::ALL) {
            assert_eq!(Scopes::from_db(&set.to_db()), set);
        }
        assert_eq!(Scopes::subsets_of(&Scope::ALL).len(), 16);
        assert!(Scopes::parse_list(["api", "nope"]).unwrap_err().contains("nope"));
    }

    #[test]
    fn roles_map_to_gitlab_access_levels() {
        assert_eq!(Role::from_access_level(30), Some(Role::Developer));
        assert_eq!(Role::from_access_level(35), None);
        assert!(Role::Guest < Role::Owner);
    }
}

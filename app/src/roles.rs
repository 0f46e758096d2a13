//! Role names and GitLab access levels, for both sides of the wire.

pub const ROLES: [(i64, &str); 5] = [(10, "Guest"), (20, "Reporter"), (30, "Developer"), (40, "Maintainer"), (50, "Owner")];

pub fn role_name(level: i64) -> &'static str {
    ROLES.iter().find(|(l, _)| *l == level).map(|(_, n)| *n).unwrap_or("None")
}

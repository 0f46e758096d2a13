//! All of the platform's SQL, one module per table family. One query text serves SQLite and
//! PostgreSQL (`$n` placeholders, BIGINT milliseconds, 0/1 flags decoded as i64).

pub mod lifecycle;
pub mod members;
pub mod namespaces;
pub mod projects;
pub mod tokens;
pub mod users;

use berth_db::sqlx::any::AnyRow;
use berth_db::sqlx::Row;

use crate::model::{RegistryAccessLevel, Visibility};

pub(crate) fn flag(row: &AnyRow, column: &str) -> bool {
    row.get::<i64, _>(column) == 1
}

pub(crate) fn visibility(row: &AnyRow, column: &str) -> Visibility {
    // The CHECK constraint admits only known values; private is the safe reading otherwise.
    Visibility::parse(&row.get::<String, _>(column)).unwrap_or(Visibility::Private)
}

pub(crate) fn registry_access(row: &AnyRow, column: &str) -> RegistryAccessLevel {
    RegistryAccessLevel::parse(&row.get::<String, _>(column)).unwrap_or(RegistryAccessLevel::Disabled)
}

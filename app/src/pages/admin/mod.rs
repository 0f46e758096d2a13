pub mod users;
pub mod registry;

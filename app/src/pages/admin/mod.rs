pub mod registry;
pub mod users;

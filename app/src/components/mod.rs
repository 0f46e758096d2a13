pub mod feedback;
pub mod layout;
pub mod registry;
pub mod sidebar;

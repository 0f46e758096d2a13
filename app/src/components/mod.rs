pub mod feedback;
pub mod layout;
pub mod sidebar;

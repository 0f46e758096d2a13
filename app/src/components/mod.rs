pub mod feedback;
pub mod layout;
pub mod page_title;
pub mod registry;
pub mod sidebar;

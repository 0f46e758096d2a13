pub mod members;
pub mod new;
pub mod show;

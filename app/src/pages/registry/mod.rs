pub mod group;
pub mod project;
pub mod repository_rows;
pub mod tags;

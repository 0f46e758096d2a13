//! Pieces of the Container Registry pages: list controls kept in the URL, the CLI commands
//! menu, confirmation dialogs and the charts.

pub mod charts;
pub mod cli;
pub mod dialog;
pub mod list_url;

pub mod deploy_tokens;
pub mod new;
pub mod show;
pub mod settings_general;
pub mod settings_cleanup;

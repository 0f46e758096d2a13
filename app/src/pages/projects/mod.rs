pub mod deploy_tokens;
pub mod new;
pub mod settings_cleanup;
pub mod settings_general;
pub mod show;

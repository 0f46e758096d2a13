pub mod access_tokens;

//! The token key secret: the file whose content seals the signing keys in the database.
//! Every node must be given the same file; only the default path is created when missing
//! (a single node's first start), since a node that invented its own secret could not open
//! the keys the others stored.

use std::io::Write;

use anyhow::Context;
use rand::RngCore;

use crate::config::Config;

pub fn load(config: &Config) -> anyhow::Result<Vec<u8>> {
    let path = config.token_key_file();
    match std::fs::read(&path) {
        Ok(bytes) => Ok(trim_line_end(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && config.token_key_file.is_none() => {
            let mut secret = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut secret);
            let text = hex::encode(secret);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options.open(&path).with_context(|| format!("cannot create the token key secret {}", path.display()))?;
            file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).with_context(|| format!("cannot write {}", path.display()))?;
            tracing::info!(path = %path.display(), "created the token key secret; give every other node the same file");
            Ok(text.into_bytes())
        }
        Err(e) => Err(e).with_context(|| format!("cannot read the token key secret {} (token_key_file)", path.display())),
    }
}

/// A secret written with `echo` ends in a newline that other nodes' copies may lack.
fn trim_line_end(mut bytes: Vec<u8>) -> Vec<u8> {
    while matches!(bytes.last(), Some(b'\n' | b'\r')) {
        bytes.pop();
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_file_is_created_once_and_a_configured_one_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config { data_dir: dir.path().to_path_buf(), ..Config::default() };
        let first = load(&config).unwrap();
        assert_eq!(first.len(), 64);
        assert_eq!(load(&config).unwrap(), first, "read back, not replaced");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(config.default_token_key_file()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let missing = Config { token_key_file: Some(dir.path().join("nope")), ..config.clone() };
        let message = format!("{:#}", load(&missing).unwrap_err());
        assert!(message.contains("nope") && message.contains("token_key_file"), "{message}");
        std::fs::write(dir.path().join("with-newline"), b"0123456789abcdef0123456789abcdef\n").unwrap();
        let given = Config { token_key_file: Some(dir.path().join("with-newline")), ..config };
        assert_eq!(load(&given).unwrap(), b"0123456789abcdef0123456789abcdef");
    }
}

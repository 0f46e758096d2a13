//! The binary embeds the site cargo-leptos builds (`target/site`: WASM, JS, CSS, `public/`).
//! Rebuild when it changes; create it empty when it has not been built yet, so that plain
//! `cargo build` works (the pages then render without hydration until the site is built).

fn main() {
    let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/site");
    if !site.exists() {
        std::fs::create_dir_all(&site).expect("create target/site");
    }
    println!("cargo:rerun-if-changed=../target/site");
}

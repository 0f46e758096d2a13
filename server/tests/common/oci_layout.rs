//! Small but real container images written as OCI image layouts on disk (`oci-layout`,
//! `index.json`, `blobs/sha256/...`), so that skopeo, podman and buildah can push them:
//! a single-platform image (a gzip'd tar layer with real files, an image config with
//! `architecture`, `os` and `rootfs.diff_ids`) and a multi-platform image (an OCI image
//! index over linux/amd64 and linux/arm64). Also reads layouts that clients wrote back.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// One content-addressed blob as written into the layout.
#[derive(Debug, Clone)]
pub struct Blob {
    pub media_type: String,
    pub digest: String,
    pub bytes: Vec<u8>,
}

impl Blob {
    fn new(media_type: &str, bytes: Vec<u8>) -> Blob {
        Blob { media_type: media_type.to_string(), digest: sha256_digest(&bytes), bytes }
    }

    pub fn size(&self) -> u64 {
        self.bytes.len() as u64
    }

    fn descriptor(&self) -> Value {
        json!({"mediaType": self.media_type, "digest": self.digest, "size": self.size()})
    }
}

/// One single-platform image: its manifest, config and layers.
#[derive(Debug, Clone)]
pub struct Image {
    pub architecture: String,
    pub os: String,
    pub manifest: Blob,
    pub config: Blob,
    pub layers: Vec<Blob>,
    /// The files inside the (only) layer, name → content.
    pub files: Vec<(String, Vec<u8>)>,
}

/// An image layout on disk with one tag.
#[derive(Debug, Clone)]
pub struct Layout {
    pub dir: PathBuf,
    pub tag: String,
    /// The tagged manifest (single-platform) or image index (multi-platform).
    pub top: Blob,
    pub images: Vec<Image>,
}

impl Layout {
    /// `oci:<dir>:<tag>` for skopeo.
    pub fn reference(&self) -> String {
        format!("oci:{}:{}", self.dir.display(), self.tag)
    }

    pub fn image(&self, architecture: &str) -> &Image {
        self.images.iter().find(|i| i.architecture == architecture).unwrap_or_else(|| panic!("no {architecture} image in the layout"))
    }

    /// Every blob in the layout (top manifest/index, manifests, configs, layers).
    pub fn all_blobs(&self) -> Vec<&Blob> {
        let mut out = vec![&self.top];
        for image in &self.images {
            if image.manifest.digest != self.top.digest {
                out.push(&image.manifest);
            }
            out.push(&image.config);
            out.extend(image.layers.iter());
        }
        out
    }
}

/// A minimal ustar archive of regular files (mode 0644, root-owned, fixed mtime).
pub fn tar(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, content) in files {
        assert!(name.len() < 100, "short names only");
        let mut header = [0u8; 512];
        header[..name.len()].copy_from_slice(name.as_bytes());
        let octal = |field: &mut [u8], value: u64| {
            let text = format!("{:0width$o}\0", value, width = field.len() - 1);
            field.copy_from_slice(text.as_bytes());
        };
        octal(&mut header[100..108], 0o644); // mode
        octal(&mut header[108..116], 0); // uid
        octal(&mut header[116..124], 0); // gid
        octal(&mut header[124..136], content.len() as u64); // size
        octal(&mut header[136..148], 1_700_000_000); // mtime
        header[156] = b'0'; // regular file
        header[257..263].copy_from_slice(b"ustar\0");
        header[263..265].copy_from_slice(b"00");
        header[148..156].copy_from_slice(b"        "); // checksum computed with spaces
        let sum: u64 = header.iter().map(|b| *b as u64).sum();
        let text = format!("{:06o}\0 ", sum);
        header[148..156].copy_from_slice(text.as_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(content);
        let pad = (512 - content.len() % 512) % 512;
        out.extend(std::iter::repeat_n(0u8, pad));
    }
    out.extend(std::iter::repeat_n(0u8, 1024)); // end of archive
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

pub fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

/// The regular files in a ustar archive written by [`tar`] or by another tool (skipping
/// directories, PAX headers and the like).
pub fn untar(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 512 <= bytes.len() {
        let header = &bytes[at..at + 512];
        if header.iter().all(|b| *b == 0) {
            break;
        }
        let name_end = header[..100].iter().position(|b| *b == 0).unwrap_or(100);
        let name = String::from_utf8_lossy(&header[..name_end]).to_string();
        let size_text = String::from_utf8_lossy(&header[124..136]).trim_matches(|c: char| c == '\0' || c == ' ').to_string();
        let size = u64::from_str_radix(&size_text, 8).unwrap_or(0) as usize;
        let kind = header[156];
        let content = bytes[at + 512..at + 512 + size].to_vec();
        if kind == b'0' || kind == 0 {
            out.push((name.trim_start_matches("./").to_string(), content));
        }
        at += 512 + size.div_ceil(512) * 512;
    }
    out
}

fn build_image(architecture: &str, os: &str, label: &str) -> Image {
    let files = vec![
        ("hello.txt".to_string(), format!("hello from berth's client tests ({label}, {architecture})\n").into_bytes()),
        ("etc/berth-release".to_string(), format!("ID=berth-test\nARCH={architecture}\nNONCE={}\n", uuid::Uuid::new_v4()).into_bytes()),
    ];
    let tar_bytes = tar(&files);
    let diff_id = sha256_digest(&tar_bytes);
    let layer = Blob::new(OCI_LAYER_GZIP, gzip(&tar_bytes));
    let mut config = json!({
        "created": "2024-01-01T00:00:00Z",
        "architecture": architecture,
        "os": os,
        "config": {"Cmd": ["/hello.txt"], "Labels": {"org.example.test": label}},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "berth client tests"}],
    });
    if architecture == "arm64" {
        config["variant"] = json!("v8");
    }
    let config = Blob::new(OCI_CONFIG, serde_json::to_vec(&config).unwrap());
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": config.descriptor(),
        "layers": [layer.descriptor()],
        "annotations": {"org.opencontainers.image.title": label},
    });
    let manifest = Blob::new(OCI_MANIFEST, serde_json::to_vec_pretty(&manifest).unwrap());
    Image { architecture: architecture.into(), os: os.into(), manifest, config, layers: vec![layer], files }
}

fn write_layout(dir: &Path, tag: &str, top: &Blob, blobs: &[&Blob]) {
    std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    for blob in blobs.iter().copied().chain(std::iter::once(top)) {
        let hex = blob.digest.strip_prefix("sha256:").unwrap();
        std::fs::write(dir.join("blobs/sha256").join(hex), &blob.bytes).unwrap();
    }
    let index = json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [{
            "mediaType": top.media_type,
            "digest": top.digest,
            "size": top.size(),
            "annotations": {"org.opencontainers.image.ref.name": tag},
        }],
    });
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
}

/// A linux image for one architecture with one gzip'd layer, tagged `tag` in `dir`.
pub fn single_platform(dir: &Path, tag: &str, architecture: &str) -> Layout {
    let image = build_image(architecture, "linux", tag);
    let blobs: Vec<&Blob> = std::iter::once(&image.config).chain(image.layers.iter()).collect();
    write_layout(dir, tag, &image.manifest, &blobs);
    Layout { dir: dir.to_path_buf(), tag: tag.into(), top: image.manifest.clone(), images: vec![image] }
}

/// An OCI image index over linux/amd64 and linux/arm64 (v8), tagged `tag` in `dir`.
pub fn multi_platform(dir: &Path, tag: &str) -> Layout {
    let images = vec![build_image("amd64", "linux", tag), build_image("arm64", "linux", tag)];
    let manifests: Vec<Value> = images
        .iter()
        .map(|image| {
            let mut platform = json!({"architecture": image.architecture, "os": image.os});
            if image.architecture == "arm64" {
                platform["variant"] = json!("v8");
            }
            let mut descriptor = image.manifest.descriptor();
            descriptor["platform"] = platform;
            descriptor
        })
        .collect();
    let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests});
    let top = Blob::new(OCI_INDEX, serde_json::to_vec_pretty(&index).unwrap());
    let blobs: Vec<&Blob> =
        images.iter().flat_map(|i| std::iter::once(&i.manifest).chain(std::iter::once(&i.config)).chain(i.layers.iter())).collect();
    write_layout(dir, tag, &top, &blobs);
    Layout { dir: dir.to_path_buf(), tag: tag.into(), top, images }
}

/// A layout some client wrote, read back.
pub struct Written {
    pub dir: PathBuf,
    pub index: Value,
}

impl Written {
    pub fn open(dir: &Path) -> Written {
        let index = std::fs::read(dir.join("index.json")).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        Written { dir: dir.to_path_buf(), index: serde_json::from_slice(&index).unwrap() }
    }

    /// The descriptor that `index.json` tags `tag`.
    pub fn tagged(&self, tag: &str) -> Value {
        self.index["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == tag)
            .unwrap_or_else(|| panic!("tag {tag} not in {}", self.index))
            .clone()
    }

    pub fn blob(&self, digest: &str) -> Vec<u8> {
        let (algorithm, hex) = digest.split_once(':').unwrap();
        let bytes = std::fs::read(self.dir.join("blobs").join(algorithm).join(hex))
            .unwrap_or_else(|e| panic!("blob {digest} in {}: {e}", self.dir.display()));
        assert_eq!(sha256_digest(&bytes), digest, "a blob's bytes match its name");
        bytes
    }

    pub fn json(&self, digest: &str) -> Value {
        serde_json::from_slice(&self.blob(digest)).unwrap()
    }
}

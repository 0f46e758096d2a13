//! Manifest parsing and storage: Docker schema 2 and manifest lists, OCI image manifests and
//! indexes, artifacts. Schema 1 is refused.

use serde_json::Value;

use crate::digest::{Algorithm, Digest};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::meta::{ManifestRecord, NewManifest, Reference};
use crate::names::is_valid_tag;

pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const SCHEMA1: [&str; 3] = [
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
    "application/json",
];

/// What a manifest refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedManifest {
    pub media_type: String,
    pub config_digest: Option<String>,
    pub blobs: Vec<String>,
    pub manifests: Vec<String>,
    pub subject: Option<String>,
    pub artifact_type: Option<String>,
    /// Size and media type each descriptor of `blobs` and `manifests` declares, checked
    /// against what is stored when the manifest is put.
    pub declared: Vec<Declared>,
}

use crate::meta::Declared;

/// A manifest reference from the URL: a tag or a digest.
pub(crate) fn parse_reference(reference: &str) -> Result<Reference> {
    if reference.contains(':') {
        let d: Digest = reference.parse().map_err(|_| Error::digest_invalid(format!("invalid digest {reference:?}")))?;
        Ok(Reference::Digest(d.to_string()))
    } else if is_valid_tag(reference) {
        Ok(Reference::Tag(reference.to_string()))
    } else {
        Err(Error::manifest_invalid(format!("invalid tag {reference:?}: tags match [A-Za-z0-9_][A-Za-z0-9._-]{{0,127}}")))
    }
}

fn descriptor_digest(v: &Value, what: &str) -> Result<String> {
    let digest =
        v.get("digest").and_then(Value::as_str).ok_or_else(|| Error::manifest_invalid(format!("{what}: descriptor without a digest")))?;
    let d: Digest = digest.parse().map_err(|_| Error::manifest_invalid(format!("{what}: invalid digest {digest:?}")))?;
    if !v.get("size").map(|s| s.is_u64()).unwrap_or(false) {
        return Err(Error::manifest_invalid(format!("{what}: descriptor {digest} has no valid size")));
    }
    if !v.get("mediaType").map(Value::is_string).unwrap_or(false) {
        return Err(Error::manifest_invalid(format!("{what}: descriptor {digest} has no mediaType")));
    }
    Ok(d.to_string())
}

fn is_foreign(v: &Value) -> bool {
    let mt = v.get("mediaType").and_then(Value::as_str).unwrap_or("");
    mt.contains("foreign") || mt.contains("nondistributable")
}

/// Records what a (validated) descriptor declares; one digest listed twice must declare the
/// same size both times.
fn declare(list: &mut Vec<Declared>, v: &Value, digest: &str) -> Result<()> {
    let size = v.get("size").and_then(Value::as_u64).unwrap_or(0);
    let size = i64::try_from(size).map_err(|_| Error::manifest_invalid(format!("descriptor {digest}: size {size} is too large")))?;
    let media_type = v.get("mediaType").and_then(Value::as_str).unwrap_or("").to_string();
    match list.iter().find(|d| d.digest == digest) {
        Some(seen) if seen.size != size => {
            Err(Error::manifest_invalid(format!("descriptor {digest} is listed with sizes {} and {size}", seen.size)))
        }
        Some(_) => Ok(()),
        None => {
            list.push(Declared { digest: digest.to_string(), size, media_type });
            Ok(())
        }
    }
}

fn push_unique(list: &mut Vec<String>, d: String) {
    if !list.contains(&d) {
        list.push(d);
    }
}

/// Parses and validates a manifest body. `content_type` is the request's Content-Type.
pub(crate) fn parse_manifest(content_type: Option<&str>, body: &[u8]) -> Result<ParsedManifest> {
    let v: Value = serde_json::from_slice(body).map_err(|e| Error::manifest_invalid(format!("manifest is not valid JSON: {e}")))?;
    if !v.is_object() {
        return Err(Error::manifest_invalid("manifest must be a JSON object"));
    }
    let header_type = content_type.map(|c| c.split(';').next().unwrap_or("").trim().to_string()).filter(|c| !c.is_empty());
    let body_type = v.get("mediaType").and_then(Value::as_str).map(str::to_string);
    let schema = v.get("schemaVersion").and_then(Value::as_i64);
    let schema1_type = |t: &Option<String>| t.as_deref().map(|t| SCHEMA1[..2].contains(&t)).unwrap_or(false);
    if schema == Some(1) || schema1_type(&header_type) || schema1_type(&body_type) || v.get("fsLayers").is_some() {
        return Err(Error::manifest_invalid(
            "Docker image manifest schema 1 is not supported: push the image with a newer client \
             (Docker 1.10 or later, podman, buildah or skopeo), which sends schema 2 or OCI manifests",
        ));
    }
    if schema != Some(2) {
        return Err(Error::manifest_invalid("unsupported manifest: schemaVersion must be 2"));
    }
    if let (Some(h), Some(b)) = (&header_type, &body_type) {
        if h != b && !SCHEMA1.contains(&h.as_str()) && h != "application/octet-stream" {
            return Err(Error::manifest_invalid(format!("Content-Type {h} does not match the manifest's mediaType {b}")));
        }
    }
    let media_type = match body_type.or(header_type.filter(|h| h != "application/json" && h != "application/octet-stream")) {
        Some(t) => t,
        None if v.get("manifests").is_some() => OCI_INDEX.to_string(),
        None if v.get("config").is_some() => OCI_MANIFEST.to_string(),
        None => return Err(Error::manifest_invalid("cannot tell the manifest's media type")),
    };
    let mut parsed = ParsedManifest {
        media_type: media_type.clone(),
        config_digest: None,
        blobs: vec![],
        manifests: vec![],
        declared: vec![],
        subject: None,
        artifact_type: v.get("artifactType").and_then(Value::as_str).map(str::to_string),
    };
    match media_type.as_str() {
        DOCKER_MANIFEST | OCI_MANIFEST => {
            let config = v.get("config").ok_or_else(|| Error::manifest_invalid("image manifest without config"))?;
            let cd = descriptor_digest(config, "config")?;
            if parsed.artifact_type.is_none() {
                parsed.artifact_type = config.get("mediaType").and_then(Value::as_str).map(str::to_string);
            }
            parsed.config_digest = Some(cd.clone());
            declare(&mut parsed.declared, config, &cd)?;
            push_unique(&mut parsed.blobs, cd);
            let layers = v
                .get("layers")
                .and_then(Value::as_array)
                .ok_or_else(|| Error::manifest_invalid("image manifest without a layers array"))?;
            for l in layers {
                let d = descriptor_digest(l, "layer")?;
                if !is_foreign(l) {
                    declare(&mut parsed.declared, l, &d)?;
                    push_unique(&mut parsed.blobs, d);
                }
            }
        }
        DOCKER_LIST | OCI_INDEX => {
            let list =
                v.get("manifests").and_then(Value::as_array).ok_or_else(|| Error::manifest_invalid("index without a manifests array"))?;
            for m in list {
                let d = descriptor_digest(m, "manifest")?;
                declare(&mut parsed.declared, m, &d)?;
                push_unique(&mut parsed.manifests, d);
            }
        }
        other => return Err(Error::manifest_invalid(format!("unsupported manifest media type {other}"))),
    }
    if let Some(subject) = v.get("subject") {
        parsed.subject = Some(descriptor_digest(subject, "subject")?);
    }
    Ok(parsed)
}

/// Result of a manifest PUT.
pub(crate) struct PutManifest {
    pub digest: String,
    pub subject: Option<String>,
}

impl Engine {
    pub(crate) async fn put_manifest(
        &self,
        name: &str,
        reference: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
        project_id: Option<i64>,
    ) -> Result<PutManifest> {
        let reference = parse_reference(reference)?;
        let digest = match &reference {
            Reference::Digest(d) => {
                let expected: Digest = d.parse().expect("validated");
                let actual = Digest::of(expected.algorithm(), &body);
                if actual != expected {
                    return Err(Error::digest_invalid(format!("the manifest's digest is {actual}, not {expected}"))
                        .with_detail(serde_json::json!({ "digest": d })));
                }
                actual
            }
            Reference::Tag(_) => Digest::of(Algorithm::Sha256, &body),
        };
        let parsed = parse_manifest(content_type, &body)?;
        let new = NewManifest {
            repository: name.to_string(),
            project_id,
            digest: digest.to_string(),
            media_type: parsed.media_type,
            payload: body,
            config_digest: parsed.config_digest,
            subject_digest: parsed.subject.clone(),
            artifact_type: parsed.artifact_type,
            blobs: parsed.blobs,
            manifests: parsed.manifests,
            declared: parsed.declared,
            tag: match reference {
                Reference::Tag(t) => Some(t),
                Reference::Digest(_) => None,
            },
        };
        self.meta().put_manifest(&new).await?;
        Ok(PutManifest { digest: digest.to_string(), subject: parsed.subject })
    }

    pub(crate) async fn get_manifest(&self, name: &str, reference: &str) -> Result<ManifestRecord> {
        let repo = self.repository_id_or_unknown(name).await?;
        let r = match parse_reference(reference) {
            Ok(r) => r,
            Err(e) if e.code() == Some(crate::Code::ManifestInvalid) => return Err(Error::manifest_unknown(reference)),
            Err(e) => return Err(e),
        };
        self.meta().manifest(repo, &r).await?.ok_or_else(|| Error::manifest_unknown(reference))
    }

    /// By digest: the manifest and its tags; by tag: only the tag.
    pub(crate) async fn delete_manifest(&self, name: &str, reference: &str) -> Result<()> {
        let repo = self.repository_id_or_unknown(name).await?;
        let deleted = match parse_reference(reference) {
            Ok(Reference::Digest(d)) => self.meta().delete_manifest(repo, &d).await?,
            Ok(Reference::Tag(t)) => self.meta().delete_tag(repo, &t).await?,
            Err(e) if e.code() == Some(crate::Code::ManifestInvalid) => false,
            Err(e) => return Err(e),
        };
        if deleted {
            Ok(())
        } else {
            Err(Error::manifest_unknown(reference))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    #[test]
    fn parses_image_and_index() {
        let m = serde_json::json!({"schemaVersion":2,"mediaType":OCI_MANIFEST,
            "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":D1,"size":2},
            "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":D2,"size":3},
                      {"mediaType":"application/vnd.oci.image.layer.nondistributable.v1.tar","digest":D1,"size":3}],
            "subject":{"mediaType":OCI_MANIFEST,"digest":D2,"size":9}});
        let p = parse_manifest(Some(OCI_MANIFEST), m.to_string().as_bytes()).unwrap();
        assert_eq!(p.blobs, vec![D1.to_string(), D2.to_string()]);
        assert_eq!(p.subject.as_deref(), Some(D2));
        assert_eq!(p.artifact_type.as_deref(), Some("application/vnd.oci.image.config.v1+json"));
        let i = serde_json::json!({"schemaVersion":2,"manifests":[{"mediaType":OCI_MANIFEST,"digest":D1,"size":1}]});
        let p = parse_manifest(Some(OCI_INDEX), i.to_string().as_bytes()).unwrap();
        assert_eq!(p.media_type, OCI_INDEX);
        assert_eq!(p.manifests, vec![D1.to_string()]);
    }

    #[test]
    fn refuses_schema1_and_garbage() {
        let s1 = serde_json::json!({"schemaVersion":1,"name":"a","tag":"b","fsLayers":[]});
        let e = parse_manifest(Some("application/vnd.docker.distribution.manifest.v1+prettyjws"), s1.to_string().as_bytes()).unwrap_err();
        assert!(e.to_string().contains("newer client"));
        assert!(parse_manifest(None, b"nope").is_err());
        let mismatch = serde_json::json!({"schemaVersion":2,"mediaType":OCI_INDEX,"manifests":[]});
        assert!(parse_manifest(Some(OCI_MANIFEST), mismatch.to_string().as_bytes()).is_err());
    }
}

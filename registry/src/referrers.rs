//! The referrers API: an OCI image index of the manifests whose `subject` is a digest.

use serde_json::{json, Value};

use crate::digest::Digest;
use crate::engine::Engine;
use crate::error::{Error, Result};

impl Engine {
    /// The referrers index (bytes) for `digest`, filtered by `artifact_type` when given.
    /// An unknown repository or digest gives an empty index.
    pub(crate) async fn referrers(&self, name: &str, digest: &str, artifact_type: Option<&str>) -> Result<Vec<u8>> {
        let d: Digest = digest.parse().map_err(|_| Error::digest_invalid(format!("invalid digest {digest:?}")))?;
        let records = match self.meta().repository_id(name).await? {
            Some(repo) => self.meta().referrers(repo, &d.to_string(), artifact_type).await?,
            None => vec![],
        };
        let manifests: Vec<Value> = records
            .into_iter()
            .map(|r| {
                let mut desc = json!({ "mediaType": r.media_type, "digest": r.digest, "size": r.size });
                if let Some(t) = r.artifact_type {
                    desc["artifactType"] = Value::String(t);
                }
                let annotations = serde_json::from_slice::<Value>(&r.payload).ok().and_then(|v| v.get("annotations").cloned());
                if let Some(a) = annotations.filter(Value::is_object) {
                    desc["annotations"] = a;
                }
                desc
            })
            .collect();
        let index = json!({
            "schemaVersion": 2,
            "mediaType": crate::manifests::OCI_INDEX,
            "manifests": manifests,
        });
        Ok(serde_json::to_vec(&index).expect("index serializes"))
    }
}

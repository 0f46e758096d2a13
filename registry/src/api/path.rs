//! `RegistryPath`: what a `/v2/...` path addresses. Repository names may contain `/`, so
//! the route is recognised from the end of the path.

use percent_encoding::percent_decode_str;

use crate::names::is_valid_repository_name;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryPath {
    Base,
    Catalog,
    TagsList { name: String },
    TagReference { name: String, tag: String },
    Manifest { name: String, reference: String },
    Blob { name: String, digest: String },
    UploadStart { name: String },
    Upload { name: String, id: String },
    Referrers { name: String, digest: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// No `/v2/` endpoint has this shape.
    NotFound,
    /// The shape is right but the repository name is invalid.
    NameInvalid(String),
}

impl RegistryPath {
    /// Parses the part after `/v2/` (percent-encoding is decoded per segment).
    pub fn parse(path: &str) -> Result<RegistryPath, PathError> {
        let path = path.strip_prefix('/').unwrap_or(path);
        if path.is_empty() {
            return Ok(RegistryPath::Base);
        }
        if path == "_catalog" {
            return Ok(RegistryPath::Catalog);
        }
        let segs: Vec<String> = path.split('/').map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned()).collect();
        let n = segs.len();
        let seg = |i: usize| segs[i].as_str();
        let name_of = |end: usize| -> Result<String, PathError> {
            if end == 0 {
                return Err(PathError::NotFound);
            }
            let name = segs[..end].join("/");
            if is_valid_repository_name(&name) {
                Ok(name)
            } else {
                Err(PathError::NameInvalid(name))
            }
        };
        if n >= 3 && seg(n - 2) == "tags" && seg(n - 1) == "list" {
            return Ok(RegistryPath::TagsList { name: name_of(n - 2)? });
        }
        if n >= 4 && seg(n - 3) == "tags" && seg(n - 2) == "reference" && !seg(n - 1).is_empty() {
            return Ok(RegistryPath::TagReference { name: name_of(n - 3)?, tag: segs[n - 1].clone() });
        }
        if n >= 4 && seg(n - 3) == "blobs" && seg(n - 2) == "uploads" {
            let name = name_of(n - 3)?;
            return Ok(if seg(n - 1).is_empty() {
                RegistryPath::UploadStart { name }
            } else {
                RegistryPath::Upload { name, id: segs[n - 1].clone() }
            });
        }
        if n >= 3 && seg(n - 2) == "blobs" && seg(n - 1) == "uploads" {
            return Ok(RegistryPath::UploadStart { name: name_of(n - 2)? });
        }
        if n >= 3 && !seg(n - 1).is_empty() {
            let last = segs[n - 1].clone();
            match seg(n - 2) {
                "blobs" => return Ok(RegistryPath::Blob { name: name_of(n - 2)?, digest: last }),
                "manifests" => return Ok(RegistryPath::Manifest { name: name_of(n - 2)?, reference: last }),
                "referrers" => return Ok(RegistryPath::Referrers { name: name_of(n - 2)?, digest: last }),
                _ => {}
            }
        }
        Err(PathError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RegistryPath::*;

    #[test]
    fn routes() {
        assert_eq!(RegistryPath::parse(""), Ok(Base));
        assert_eq!(RegistryPath::parse("_catalog"), Ok(Catalog));
        assert_eq!(RegistryPath::parse("a/b/tags/list"), Ok(TagsList { name: "a/b".into() }));
        assert_eq!(RegistryPath::parse("g/p/tags/reference/v1"), Ok(TagReference { name: "g/p".into(), tag: "v1".into() }));
        assert_eq!(RegistryPath::parse("g/p/blobs/uploads/"), Ok(UploadStart { name: "g/p".into() }));
        assert_eq!(RegistryPath::parse("g/p/blobs/uploads"), Ok(UploadStart { name: "g/p".into() }));
        assert_eq!(RegistryPath::parse("g/p/blobs/uploads/abc"), Ok(Upload { name: "g/p".into(), id: "abc".into() }));
        assert_eq!(RegistryPath::parse("g/blobs/blobs/sha256%3Aab"), Ok(Blob { name: "g/blobs".into(), digest: "sha256:ab".into() }));
        assert_eq!(
            RegistryPath::parse("a/manifests/manifests/latest"),
            Ok(Manifest { name: "a/manifests".into(), reference: "latest".into() })
        );
        assert_eq!(RegistryPath::parse("a/referrers/sha256:x"), Ok(Referrers { name: "a".into(), digest: "sha256:x".into() }));
        assert_eq!(RegistryPath::parse("A/manifests/x"), Err(PathError::NameInvalid("A".into())));
        assert_eq!(RegistryPath::parse("manifests/x"), Err(PathError::NotFound));
        assert_eq!(RegistryPath::parse("a/b"), Err(PathError::NotFound));
    }
}

//! How many bytes deleting some tags of a repository would free, computed from metadata.
//!
//! The approximation (what the preview promises): after the tags go, a manifest of the
//! repository is **removed** unless it is still reachable from a remaining manifest —
//! one that keeps a tag, or one that was untagged and unreferenced already (left alone:
//! the policy is not what removes it) — through index children or `subject` referrers.
//! The bytes freed are the sizes of the distinct blobs (configs and layers) the removed
//! manifests reference that no remaining manifest **of the same repository** references.
//! Not counted: manifest payloads themselves. Counted although garbage collection keeps
//! them: blobs that manifests of *other* repositories still use (mounted or shared base
//! layers), so the figure is an upper bound for what storage gives back.

use std::collections::{HashMap, HashSet};

/// One manifest of a repository, as far as reachability is concerned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ManifestNode {
    pub id: i64,
    /// Tag names pointing at it.
    pub tags: Vec<String>,
    /// Manifests that live as long as this one: index children and referrers (`subject`).
    pub dependents: Vec<i64>,
    /// `(digest, size)` of the blobs it references.
    pub blobs: Vec<(String, i64)>,
}

/// Bytes freed in a repository (its manifests `graph`) by deleting the tags `deleted`.
pub fn bytes_freed(graph: &[ManifestNode], deleted: &HashSet<&str>) -> i64 {
    let has_parent: HashSet<i64> = graph.iter().flat_map(|m| m.dependents.iter().copied()).collect();
    let by_id: HashMap<i64, &ManifestNode> = graph.iter().map(|m| (m.id, m)).collect();
    let mut stack: Vec<i64> = graph
        .iter()
        .filter(|m| {
            let keeps_a_tag = m.tags.iter().any(|t| !deleted.contains(t.as_str()));
            let already_loose = m.tags.is_empty() && !has_parent.contains(&m.id);
            keeps_a_tag || already_loose
        })
        .map(|m| m.id)
        .collect();
    let mut live: HashSet<i64> = HashSet::new();
    while let Some(id) = stack.pop() {
        if live.insert(id) {
            if let Some(m) = by_id.get(&id) {
                stack.extend(m.dependents.iter().copied());
            }
        }
    }
    let live_blobs: HashSet<&str> =
        graph.iter().filter(|m| live.contains(&m.id)).flat_map(|m| m.blobs.iter().map(|(d, _)| d.as_str())).collect();
    let mut freed: HashMap<&str, i64> = HashMap::new();
    for m in graph.iter().filter(|m| !live.contains(&m.id)) {
        for (digest, size) in &m.blobs {
            if !live_blobs.contains(digest.as_str()) {
                freed.insert(digest, *size);
            }
        }
    }
    freed.values().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: i64, tags: &[&str], dependents: &[i64], blobs: &[(&str, i64)]) -> ManifestNode {
        ManifestNode {
            id,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            dependents: dependents.to_vec(),
            blobs: blobs.iter().map(|(d, s)| (d.to_string(), *s)).collect(),
        }
    }

    fn freed(graph: &[ManifestNode], deleted: &[&str]) -> i64 {
        bytes_freed(graph, &deleted.iter().copied().collect())
    }

    #[test]
    fn shared_layers_stay_and_unique_ones_go() {
        let graph = vec![
            node(1, &["v1"], &[], &[("cfg1", 10), ("base", 1000), ("l1", 100)]),
            node(2, &["v2"], &[], &[("cfg2", 20), ("base", 1000), ("l2", 200)]),
        ];
        assert_eq!(freed(&graph, &["v1"]), 110, "base is still used by v2");
        assert_eq!(freed(&graph, &["v1", "v2"]), 1330, "each blob once");
        assert_eq!(freed(&graph, &[]), 0);
    }

    #[test]
    fn a_manifest_with_another_tag_stays() {
        let graph = vec![node(1, &["v1", "stable"], &[], &[("cfg", 10), ("l", 100)])];
        assert_eq!(freed(&graph, &["v1"]), 0);
        assert_eq!(freed(&graph, &["v1", "stable"]), 110);
    }

    #[test]
    fn index_children_and_referrers_follow_their_parent() {
        let graph = vec![
            node(1, &["multi"], &[2, 3, 4], &[]),
            node(2, &[], &[], &[("amd", 100)]),
            node(3, &[], &[], &[("arm", 200)]),
            node(4, &[], &[], &[("signature", 5)]),
            node(5, &["arm-only"], &[], &[("other", 1)]),
        ];
        assert_eq!(freed(&graph, &["multi"]), 305);
        let shared_child = vec![node(1, &["multi"], &[2], &[]), node(2, &["amd-tag"], &[], &[("amd", 100)])];
        assert_eq!(freed(&shared_child, &["multi"]), 0, "the child keeps its own tag");
    }

    #[test]
    fn manifests_already_untagged_are_not_the_policys_doing() {
        let graph = vec![node(1, &["v1"], &[], &[("l", 100)]), node(2, &[], &[], &[("l", 100), ("m", 50)])];
        assert_eq!(freed(&graph, &["v1"]), 0, "the loose manifest still references l");
    }
}

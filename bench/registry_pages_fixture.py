"""Inserts the registry pages benchmark fixture straight into Berth's SQLite database.

usage: registry_pages_fixture.py DB TAGS_PROJECT_ID N_TAGS MANY_PROJECT_ID N_REPOS

bench/tags gets one repository with N_TAGS tags t0000000.. (each pointing at its own
manifest, published one second apart from 1700000000000 ms, every 10th a multi-platform
index); bench/many gets N_REPOS repositories img0000.. with one tag each.
"""
import json
import sqlite3
import sys

db, tags_project, n_tags, many_project, n_repos = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
T0 = 1_700_000_000_000
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
INDEX_PAYLOAD = json.dumps({"schemaVersion": 2, "mediaType": INDEX, "manifests": [
    {"mediaType": MANIFEST, "digest": "sha256:" + "a" * 64, "size": 500, "platform": {"os": "linux", "architecture": "amd64"}},
    {"mediaType": MANIFEST, "digest": "sha256:" + "b" * 64, "size": 500, "platform": {"os": "linux", "architecture": "arm64"}},
]}).encode()

con = sqlite3.connect(db, timeout=60)
con.execute("PRAGMA journal_mode=WAL")
cur = con.cursor()


def repository(path, project_id, at):
    cur.execute("INSERT INTO repositories (path, project_id, status, created_at, updated_at) VALUES (?, ?, NULL, ?, ?)",
                (path, project_id, at, at))
    return cur.lastrowid


def tags(repo_id, names_and_times):
    rows = []
    for i, (name, at) in names_and_times:
        index = i % 10 == 0
        digest = "sha256:%064x" % (repo_id * 10_000_000 + i)
        payload = INDEX_PAYLOAD if index else b'{"schemaVersion":2}'
        rows.append((repo_id, digest, INDEX if index else MANIFEST, len(payload), payload,
                     None if index else "sha256:%064x" % (i + 1), len(payload) + 1_000_000 + i * 10, at))
    cur.executemany("INSERT INTO manifests (repository_id, digest, media_type, size, payload, config_digest, total_size, pushed_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    first = cur.execute("SELECT MIN(id) FROM manifests WHERE repository_id = ?", (repo_id,)).fetchone()[0]
    by_digest = dict(cur.execute("SELECT digest, id FROM manifests WHERE repository_id = ? AND id >= ?", (repo_id, first)))
    cur.executemany("INSERT INTO tags (repository_id, name, manifest_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                    [(repo_id, name, by_digest["sha256:%064x" % (repo_id * 10_000_000 + i)], at, at)
                     for i, (name, at) in names_and_times])


cur.execute("BEGIN")
repo = repository("bench/tags", tags_project, T0)
BATCH = 50_000
for start in range(0, n_tags, BATCH):
    tags(repo, [(i, ("t%07d" % i, T0 + i * 1000)) for i in range(start, min(n_tags, start + BATCH))])
for r in range(n_repos):
    rid = repository("bench/many/img%04d" % r, many_project, T0 + r * 1000)
    tags(rid, [(0, ("latest", T0 + r * 1000))])
con.commit()

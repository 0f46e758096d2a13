-- Keyset paging of the registry pages: a project's repositories by last update, and a
-- repository's tags by publish time (the UNIQUE (repository_id, name) index serves name order).
CREATE INDEX repositories_by_project ON repositories (project_id, updated_at, id);
CREATE INDEX tags_by_repository_published ON tags (repository_id, updated_at, name);

-- Platform: namespaces (groups and personal namespaces), projects, memberships and tokens.
-- Timestamps are milliseconds since the Unix epoch; flags are 0/1 integers.

-- A namespace is a group (nested through parent_id) or a user's personal namespace
-- (owner_user_id set, named after the username, never nested).
CREATE TABLE namespaces (
    id             BIGSERIAL PRIMARY KEY,
    kind           TEXT    NOT NULL CHECK (kind IN ('group', 'user')),
    parent_id      BIGINT NULL REFERENCES namespaces(id),
    owner_user_id  BIGINT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    path           TEXT    NOT NULL,
    full_path      TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL,
    visibility     TEXT    NOT NULL CHECK (visibility IN ('public', 'internal', 'private')),
    created_at     BIGINT NOT NULL,
    CHECK ((kind = 'user') = (owner_user_id IS NOT NULL)),
    CHECK (kind = 'group' OR parent_id IS NULL)
);
CREATE INDEX namespaces_by_parent ON namespaces (parent_id);

CREATE TABLE projects (
    id                               BIGSERIAL PRIMARY KEY,
    namespace_id                     BIGINT NOT NULL REFERENCES namespaces(id),
    path                             TEXT    NOT NULL,
    full_path                        TEXT    NOT NULL UNIQUE,
    name                             TEXT    NOT NULL,
    visibility                       TEXT    NOT NULL CHECK (visibility IN ('public', 'internal', 'private')),
    container_registry_access_level  TEXT    NOT NULL DEFAULT 'enabled'
        CHECK (container_registry_access_level IN ('enabled', 'private', 'disabled')),
    created_at                       BIGINT NOT NULL,
    UNIQUE (namespace_id, path)
);

-- Access levels: 10 Guest, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner.
CREATE TABLE group_members (
    namespace_id  BIGINT NOT NULL REFERENCES namespaces(id) ON DELETE CASCADE,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    access_level  BIGINT NOT NULL CHECK (access_level IN (10, 20, 30, 40, 50)),
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (namespace_id, user_id)
);
CREATE INDEX group_members_by_user ON group_members (user_id);

CREATE TABLE project_members (
    project_id    BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    access_level  BIGINT NOT NULL CHECK (access_level IN (10, 20, 30, 40, 50)),
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_by_user ON project_members (user_id);

-- Secrets are stored only as the hex SHA-256 of the whole secret (prefix included).
-- Scopes are space-separated.
CREATE TABLE personal_access_tokens (
    id            BIGSERIAL PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    token_hash    TEXT    NOT NULL UNIQUE,
    scopes        TEXT    NOT NULL,
    expires_at    BIGINT NULL,
    revoked       BIGINT NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
    last_used_at  BIGINT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX personal_access_tokens_by_user ON personal_access_tokens (user_id);

-- Belongs to exactly one project or one group. username NULL = gitlab+deploy-token-<id>.
CREATE TABLE deploy_tokens (
    id            BIGSERIAL PRIMARY KEY,
    project_id    BIGINT NULL REFERENCES projects(id) ON DELETE CASCADE,
    namespace_id  BIGINT NULL REFERENCES namespaces(id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    username      TEXT    NULL,
    token_hash    TEXT    NOT NULL UNIQUE,
    scopes        TEXT    NOT NULL,
    expires_at    BIGINT NULL,
    revoked       BIGINT NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
    created_at    BIGINT NOT NULL,
    CHECK ((project_id IS NULL) <> (namespace_id IS NULL))
);
CREATE INDEX deploy_tokens_by_project ON deploy_tokens (project_id);
CREATE INDEX deploy_tokens_by_namespace ON deploy_tokens (namespace_id);

-- Short-lived CI job tokens, bound to one project and one user.
CREATE TABLE job_tokens (
    id          BIGSERIAL PRIMARY KEY,
    project_id  BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash  TEXT    NOT NULL UNIQUE,
    expires_at  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX job_tokens_by_expiry ON job_tokens (expires_at);

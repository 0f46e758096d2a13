-- Accounts. Timestamps are milliseconds since the Unix epoch; flags are 0/1 integers so the
-- same queries decode on SQLite and PostgreSQL.
CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT   NOT NULL UNIQUE,
    name          TEXT   NOT NULL,
    email         TEXT   NOT NULL UNIQUE,
    password_hash TEXT   NOT NULL,
    is_admin      BIGINT NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    is_blocked    BIGINT NOT NULL DEFAULT 0 CHECK (is_blocked IN (0, 1)),
    created_at    BIGINT NOT NULL
);

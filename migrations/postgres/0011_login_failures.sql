-- Failed sign-in and token attempts, per (credential identity, client address): the login
-- throttle of every node reads and writes the same rows, so a guesser cannot spread
-- attempts over the nodes behind a balancer (platform::registry_auth::throttle).
CREATE TABLE login_failures (
    identity  TEXT   NOT NULL,
    client    TEXT   NOT NULL,
    failed_at BIGINT NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures (identity, client, failed_at);
CREATE INDEX login_failures_by_time ON login_failures (failed_at);

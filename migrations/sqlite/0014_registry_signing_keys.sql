-- Registry token signing keys, shared by every node: the newest key that is not retired
-- signs, every row verifies until `verify_until` (retired keys keep verifying the tokens
-- they signed). Private keys are sealed with AES-256-GCM under a key derived from the
-- token key secret each node is given (token_key_file); the kid is the associated data.
CREATE TABLE registry_signing_keys (
    kid          TEXT    PRIMARY KEY,
    private_key  TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    retired_at   INTEGER,
    verify_until INTEGER
) STRICT;

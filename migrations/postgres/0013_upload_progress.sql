-- An upload's committed size and running SHA-256 state live in the database, not in the
-- process that took the last chunk: the next chunk may reach any node behind a balancer.
-- `size` NULL means "ask the blob store" (uploads begun before this column existed, or one
-- whose last append failed part-way); `hash_state` NULL means "re-read the bytes to hash".
ALTER TABLE uploads ADD COLUMN size BIGINT;
ALTER TABLE uploads ADD COLUMN hash_state TEXT;

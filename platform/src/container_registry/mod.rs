//! The container registry as projects see it: repositories and tags listed for people
//! (search, sort, keyset pages), deletion of tags and whole repositories, the tag rules
//! shared by bulk deletes and cleanup policies, and the cleanup policies themselves. Calls the
//! registry engine's service for every write so that its locking and garbage-collection
//! bookkeeping apply.

pub mod bulk_delete;
pub mod cleanup;
pub mod deletion;
pub mod group_projects;
pub mod listing;
pub mod tag_deletion;
pub mod tag_rules;

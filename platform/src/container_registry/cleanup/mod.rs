//! Cleanup (expiration) policies, spec storage-lifecycle.md "Cleanup policies": per project,
//! which tags to remove on a cadence, in the background, bounded per run.
//!
//! - [`policy`]: the model, allowed values, defaults, validation ([`CleanupPolicy::apply`]).
//! - [`store`]: saving and loading ([`load`], [`save`]) and the run bookkeeping.
//! - [`evaluate`]: the nine evaluation steps as one pure function ([`tags_to_delete`]).
//! - [`freed`]: the bytes deleting tags would free, from metadata.
//! - [`preview`]: what a policy would delete now ([`preview()`]), per repository.
//! - [`scheduler`]: running due policies ([`run_due_policies`]).
//! - [`state`]: what the registry page shows ([`project_cleanup_state`]).
//! - [`repositories`]: the project's repositories and their cleanup status (SQL).

pub mod error;
pub mod evaluate;
pub mod freed;
pub mod policy;
pub mod preview;
pub mod repositories;
pub mod scheduler;
pub mod state;
pub mod store;

pub use error::CleanupError;
pub use evaluate::{tags_to_delete, CleanupTag, Rules};
pub use policy::{Cadence, CleanupPolicy, OlderThan, PolicyError, PolicyInput, KEEP_N_VALUES};
pub use preview::{preview, RepositoryPreview};
pub use repositories::{CleanupStatus, RepositoryCleanup};
pub use scheduler::{run_due_policies, PolicyRun, RunLimits, RunReport};
pub use state::{project_cleanup_state, repository_cleanup_statuses, CleanupPhase, CleanupState, LastRun};
pub use store::{load, save, RunOutcome};

//! Berth's platform: who people are and what they may do. The registry engine knows nothing
//! of this; it trusts the access claims of tokens the platform signs.

pub mod accounts;
pub mod passwords;

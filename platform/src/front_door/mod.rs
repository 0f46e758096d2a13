//! The front door: how a request proves who it is, for every surface (REST, the UI's
//! server functions, `/jwt/auth`). One place for the session cookie and the CSRF rule that
//! guards it; the credential checks and the throttle follow here as the surfaces move over.

pub mod client_address;
pub mod csrf;
pub mod session_cookie;

//! The OpenAPI 3 document served at `/openapi.json`, written by hand next to the routes
//! (`openapi.json`). The integration tests check that every route in [`super::ROUTES`]
//! is documented there and every documented path is served.

/// The document, as served.
pub const OPENAPI: &str = include_str!("openapi.json");

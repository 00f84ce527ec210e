//! The contract in other tools' formats: an OpenAPI 3.1 document and a Hurl file. Pure
//! functions of the suite.

pub mod hurl;
pub mod openapi;

pub use hurl::{HurlExport, HurlOptions, hurl};
pub use openapi::{ExportError, OpenApiOptions, openapi};

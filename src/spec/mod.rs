//! The contract as data: the model, its templates, loading and linting spec files, and the
//! expansion of generated cases.

mod expand;
mod lint;
mod load;
mod load_rules;
pub mod model;
mod raw;
pub mod rules;
pub mod template;

pub use expand::{PlannedCase, SERVICE_GROUP};
pub use load::{LoadError, SpecError, file_uri, load_contract, load_suite};
pub use model::*;
pub use template::{Template, TemplateError};

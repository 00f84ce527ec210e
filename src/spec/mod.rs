//! The contract as data: the model, its templates, and loading spec files into it.

pub mod model;
pub mod template;

pub use model::*;
pub use template::{Template, TemplateError};
pub mod raw;

//! Reports of a run, one file per format. Each is a pure function of a `RunReport` returning
//! text; the caller writes it where it belongs.

pub mod annotations;
mod detail;
pub mod drift;
pub mod html;
mod html_assets;
pub mod json;
pub mod junit;
pub mod markdown;
mod matrix;
mod redact;
pub mod reproducer;
#[cfg(test)]
pub(crate) mod sample;
pub mod terminal;

pub use annotations::github_annotations;
pub use drift::drift_lines;
pub use html::to_html;
pub use json::to_json;
pub use junit::{JunitError, to_junit};
pub use markdown::to_markdown;
pub use reproducer::reproducer;
pub use terminal::{case_detail, case_line, failure_lines, requests_line, summary_line};

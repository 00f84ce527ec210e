//! Reports of a run, one file per format. Each is a pure function of a `RunReport` returning
//! text; the caller writes it where it belongs.

pub mod annotations;
mod compat;
mod detail;
pub mod drift;
pub mod html;
mod html_assets;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod matrix_html;
pub mod matrix_json;
pub mod matrix_markdown;
pub mod matrix_terminal;
mod matrix_text;
mod redact;
pub mod reproducer;
#[cfg(test)]
pub(crate) mod sample;
pub mod snapshot_drift;
pub mod terminal;

pub use annotations::github_annotations;
pub use drift::drift_lines;
pub use html::to_html;
pub use json::to_json;
pub use junit::{JunitError, to_junit, to_junit_targets};
pub use markdown::to_markdown;
pub use matrix_html::matrix_to_html;
pub use matrix_json::matrix_to_json;
pub use matrix_markdown::matrix_to_markdown;
pub use matrix_terminal::matrix_summary;
pub use reproducer::reproducer;
pub use snapshot_drift::snapshot_drift_lines;
pub use terminal::{case_detail, case_line, failure_lines, requests_line, summary_line};

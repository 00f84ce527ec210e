//! `--report FORMAT=PATH`: the run's report data written in each format asked for; with
//! several targets, the matrix's.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::matrix::Matrix;
use crate::report;
use crate::result::RunReport;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Junit,
    Json,
    Markdown,
    Html,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    pub format: ReportFormat,
    pub path: PathBuf,
}

impl FromStr for ReportFile {
    type Err = String;

    /// `FORMAT=PATH`, as `--report` takes it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (format, path) = s.split_once('=').ok_or_else(|| {
            format!("--report {s:?}: expected FORMAT=PATH, e.g. junit=out/junit.xml")
        })?;
        let format = match format {
            "junit" => ReportFormat::Junit,
            "json" => ReportFormat::Json,
            "markdown" | "md" => ReportFormat::Markdown,
            "html" => ReportFormat::Html,
            other => {
                return Err(format!(
                    "--report: unknown format {other:?} (expected junit, json, markdown or html)"
                ));
            }
        };
        Ok(ReportFile {
            format,
            path: PathBuf::from(path),
        })
    }
}

/// Writes every report (making missing folders); returns one message per file not written.
pub fn write_reports(report: &RunReport, files: &[ReportFile]) -> Vec<String> {
    files
        .iter()
        .filter_map(|file| {
            write_one(report, file)
                .err()
                .map(|e| format!("failed to write report {}: {e}", file.path.display()))
        })
        .collect()
}

fn write_one(run: &RunReport, file: &ReportFile) -> Result<(), String> {
    let text = match file.format {
        ReportFormat::Json => report::to_json(run),
        ReportFormat::Markdown => report::to_markdown(run),
        ReportFormat::Html => report::to_html(run),
        ReportFormat::Junit => report::to_junit(run).map_err(|e| e.to_string())?,
    };
    write_text(&file.path, &text)
}

/// The matrix in each format asked for: HTML, Markdown and JSON are the matrix's own; JUnit
/// has each target's cases under suites named after it. One message per file not written.
pub fn write_matrix_reports(matrix: &Matrix, files: &[ReportFile]) -> Vec<String> {
    files
        .iter()
        .filter_map(|file| {
            let text = match file.format {
                ReportFormat::Json => Ok(report::matrix_to_json(matrix)),
                ReportFormat::Markdown => Ok(report::matrix_to_markdown(matrix)),
                ReportFormat::Html => Ok(report::matrix_to_html(matrix)),
                ReportFormat::Junit => {
                    let runs: Vec<(&str, &RunReport)> = (matrix.targets.iter())
                        .map(|t| (t.name.as_str(), &t.run))
                        .collect();
                    report::to_junit_targets(&runs).map_err(|e| e.to_string())
                }
            };
            text.and_then(|text| write_text(&file.path, &text))
                .err()
                .map(|e| format!("failed to write report {}: {e}", file.path.display()))
        })
        .collect()
}

fn write_text(path: &Path, text: &str) -> Result<(), String> {
    create_parent(path).map_err(|e| e.to_string())?;
    std::fs::write(path, text).map_err(|e| e.to_string())
}

fn create_parent(path: &Path) -> std::io::Result<()> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir),
        None => Ok(()),
    }
}

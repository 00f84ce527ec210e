//! The matrix in a terminal: a line per target, the cases the targets disagree on (the first
//! few), the interop share and the verdict.

use crate::matrix::Matrix;

use super::matrix_text::{interop_line, outcome_label, target_verdict, verdict};
use super::redact::redacted_text;
use super::terminal::summary_line;

/// Disagreements listed before the rest is left to the reports.
const SHOWN_DISAGREEMENTS: usize = 40;

/// ```text
/// target a: 13 passed, 2 failed, 0 skipped — does not conform (embedded emulator ...)
/// target b: 15 passed, 0 failed, 0 skipped — conforms (https://...)
/// disagreements:
///   get_group_attr::unknown_group   a FAIL · b pass
/// interop: 13 of 15 cases (86.7%) pass on every target; 2 disagreements
/// matrix: 1 of 2 targets does not conform: a
/// ```
pub fn matrix_summary(m: &Matrix) -> String {
    let mut out = String::new();
    for t in &m.targets {
        out.push_str(&format!(
            "target {}: {}{} — {} ({})\n",
            t.name,
            summary_line(&t.totals),
            if t.run.interrupted {
                ", interrupted"
            } else {
                ""
            },
            target_verdict(t),
            t.run.target
        ));
    }
    let disagreements: Vec<_> = m.rows.iter().filter(|r| !r.agree).collect();
    if !disagreements.is_empty() {
        out.push_str("disagreements:\n");
        let width = (disagreements.iter())
            .take(SHOWN_DISAGREEMENTS)
            .map(|r| r.id.chars().count())
            .max()
            .unwrap_or(0);
        for row in disagreements.iter().take(SHOWN_DISAGREEMENTS) {
            let cells: Vec<String> = (m.targets.iter().zip(&row.outcomes))
                .map(|(t, o)| format!("{} {}", t.name, outcome_label(*o)))
                .collect();
            out.push_str(&format!("  {:<width$}  {}\n", row.id, cells.join(" · ")));
        }
        if disagreements.len() > SHOWN_DISAGREEMENTS {
            out.push_str(&format!(
                "  … and {} more (the matrix reports list them all)\n",
                disagreements.len() - SHOWN_DISAGREEMENTS
            ));
        }
    }
    out.push_str(&format!("interop: {}\n", interop_line(m)));
    out.push_str(&format!("matrix: {}\n", verdict(m)));
    redacted_text(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::sample_matrix;

    #[test]
    fn a_line_per_target_then_disagreements_interop_and_verdict() {
        let text = matrix_summary(&sample_matrix());
        assert_eq!(
            text,
            "target a: 1 passed, 1 failed, 1 skipped, 1 errors — does not conform (https://console.tim.qq.com)\n\
             target b: 3 passed, 0 failed, 1 skipped, 1 known, 1 fixed — conforms (http://127.0.0.1:9000)\n\
             disagreements:\n\
             \x20 modify_group_attr::sets_an_attribute   a FAIL · b pass\n\
             \x20 modify_group_attr::group_type.Private  a ERROR · b pass\n\
             \x20 get_group_attr::unknown_group          a not run · b KNOWN\n\
             \x20 create_group::fixed_now                a not run · b fixed\n\
             interop: 1 of 6 cases (16.7%) pass on every target; 4 disagreements\n\
             matrix: 1 of 2 targets does not conform: a\n"
        );
    }
}

//! One run's compatibility matrices, shared by its HTML and Markdown reports: endpoint ×
//! group type and endpoint × documented error code, each cell the combined outcome of the
//! cases behind it. (Targets side by side are `crate::matrix` and `matrix_*`.)

use crate::result::{CaseReport, EndpointInfo, Outcome, RunReport, Totals};
use crate::spec::SERVICE_GROUP;

/// What one cell says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellState {
    Pass,
    Fail,
    Error,
    Skip,
    /// Documented (or a group type) but no case of the run exercises it.
    NotCovered,
    /// Documented, and the spec says why no case can provoke it.
    Untriggerable,
    /// The endpoint does not document this code.
    NotDocumented,
}

impl CellState {
    /// The CSS class and `data-outcome` value.
    pub(crate) fn key(self) -> &'static str {
        match self {
            CellState::Pass => "pass",
            CellState::Fail => "fail",
            CellState::Error => "error",
            CellState::Skip => "skip",
            CellState::NotCovered => "uncovered",
            CellState::Untriggerable => "untriggerable",
            CellState::NotDocumented => "na",
        }
    }

    /// The text label, so a cell never says its outcome by colour alone.
    pub(crate) fn label(self) -> &'static str {
        match self {
            CellState::Pass => "pass",
            CellState::Fail => "FAIL",
            CellState::Error => "ERROR",
            CellState::Skip => "skip",
            CellState::NotCovered => "not covered",
            CellState::Untriggerable => "untriggerable",
            CellState::NotDocumented => "·",
        }
    }

    pub(crate) const LEGEND: [CellState; 7] = [
        CellState::Pass,
        CellState::Fail,
        CellState::Error,
        CellState::Skip,
        CellState::NotCovered,
        CellState::Untriggerable,
        CellState::NotDocumented,
    ];

    pub(crate) fn meaning(self) -> &'static str {
        match self {
            CellState::Pass => "every case behind the cell passed",
            CellState::Fail => "at least one case found the target breaking the contract",
            CellState::Error => "a harness or transport error, not a verdict on the target",
            CellState::Skip => "every case behind the cell was skipped",
            CellState::NotCovered => "no case of this run exercises it",
            CellState::Untriggerable => "documented, but no outside request can provoke it",
            CellState::NotDocumented => "the endpoint does not document this code",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub state: CellState,
    pub totals: Totals,
    /// Ids of the cases behind the cell.
    pub cases: Vec<String>,
    /// A group type the endpoint documents as not supported (its cases expect a refusal).
    pub unsupported: bool,
}

impl Cell {
    fn empty(state: CellState) -> Self {
        Cell {
            state,
            totals: Totals::default(),
            cases: Vec::new(),
            unsupported: false,
        }
    }

    fn of(cases: &[&CaseReport], otherwise: CellState) -> Self {
        let mut t = Totals::default();
        for c in cases {
            match c.outcome {
                Outcome::Pass => t.passed += 1,
                Outcome::Fail => t.failed += 1,
                Outcome::Error => t.errors += 1,
                Outcome::Skip => t.skipped += 1,
                // A known deviation is still a deviation; a fixed one conforms now.
                Outcome::Known => t.failed += 1,
                Outcome::Fixed => t.passed += 1,
            }
        }
        let state = if cases.is_empty() {
            otherwise
        } else if t.failed > 0 {
            CellState::Fail
        } else if t.errors > 0 {
            CellState::Error
        } else if t.passed > 0 {
            CellState::Pass
        } else {
            CellState::Skip
        };
        Cell {
            state,
            totals: t,
            cases: cases.iter().map(|c| c.id.clone()).collect(),
            unsupported: false,
        }
    }

    /// `pass 3`, `FAIL 2/5`, `not covered`.
    pub(crate) fn text(&self) -> String {
        let total = self.cases.len();
        match self.state {
            CellState::Pass | CellState::Skip => format!("{} {total}", self.state.label()),
            CellState::Fail => format!("FAIL {}/{total}", self.totals.failed),
            CellState::Error => format!("ERROR {}/{total}", self.totals.errors),
            other => other.label().to_owned(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Matrix<C> {
    pub columns: Vec<C>,
    /// (endpoint, one cell per column)
    pub rows: Vec<(String, Vec<Cell>)>,
}

/// Endpoints in the contract's order, then any group only the cases name.
fn endpoint_order(report: &RunReport) -> Vec<String> {
    let mut names: Vec<String> = report.endpoints.iter().map(|e| e.name.clone()).collect();
    for c in &report.cases {
        if !names.contains(&c.group) {
            names.push(c.group.clone());
        }
    }
    names
}

fn info<'a>(report: &'a RunReport, name: &str) -> Option<&'a EndpointInfo> {
    report.endpoints.iter().find(|e| e.name == name)
}

/// Endpoint × group type: rows for endpoints that declare group-type support or have cases
/// made with some group type.
pub(crate) fn group_type_matrix(report: &RunReport) -> Matrix<String> {
    let mut columns = report.group_types.clone();
    for t in report.cases.iter().flat_map(|c| &c.group_types) {
        if !columns.contains(t) {
            columns.push(t.clone());
        }
    }
    let mut rows = Vec::new();
    for endpoint in endpoint_order(report) {
        let cases: Vec<&CaseReport> = report
            .cases
            .iter()
            .filter(|c| c.group == endpoint && !c.group_types.is_empty())
            .collect();
        let supported = info(report, &endpoint).and_then(|e| e.supported_group_types.as_ref());
        if cases.is_empty() && supported.is_none() {
            continue;
        }
        let cells = columns
            .iter()
            .map(|t| {
                let of_type: Vec<&CaseReport> = cases
                    .iter()
                    .copied()
                    .filter(|c| c.group_types.contains(t))
                    .collect();
                let mut cell = Cell::of(&of_type, CellState::NotCovered);
                cell.unsupported = supported.is_some_and(|s| !s.contains(t));
                cell
            })
            .collect();
        rows.push((endpoint, cells));
    }
    Matrix { columns, rows }
}

/// Endpoint × error code: a column per code any endpoint documents; the service's common
/// errors form the row `service`, covered by a case expecting the code from any endpoint.
pub(crate) fn error_code_matrix(report: &RunReport) -> Matrix<i64> {
    let mut columns: Vec<i64> = report
        .endpoints
        .iter()
        .flat_map(|e| e.errors.iter().map(|d| d.code))
        .collect();
    columns.sort_unstable();
    columns.dedup();
    let mut rows = Vec::new();
    for endpoint in report.endpoints.iter().filter(|e| !e.errors.is_empty()) {
        let cells = columns
            .iter()
            .map(|&code| {
                let Some(doc) = endpoint.errors.iter().find(|d| d.code == code) else {
                    return Cell::empty(CellState::NotDocumented);
                };
                let expecting: Vec<&CaseReport> = report
                    .cases
                    .iter()
                    .filter(|c| {
                        c.expected_codes.iter().any(|e| {
                            e.code == code
                                && (endpoint.name == SERVICE_GROUP || e.call == endpoint.name)
                        })
                    })
                    .collect();
                let otherwise = if doc.untriggerable.is_some() {
                    CellState::Untriggerable
                } else {
                    CellState::NotCovered
                };
                Cell::of(&expecting, otherwise)
            })
            .collect();
        rows.push((endpoint.name.clone(), cells));
    }
    Matrix { columns, rows }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::sample_report;

    #[test]
    fn group_type_cells_combine_the_cases_of_each_type() {
        let m = group_type_matrix(&sample_report());
        assert_eq!(m.columns, ["Private", "Public", "AVChatRoom"]);
        let names: Vec<&str> = m.rows.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["create_group", "modify_group_attr"]);
        let attr = &m.rows[1].1;
        // Private: the harness error; Public: a failure and a skip; AVChatRoom: no case.
        assert_eq!(attr[0].state, CellState::Error);
        assert!(attr[0].unsupported);
        assert_eq!(attr[1].state, CellState::Fail);
        assert_eq!(attr[1].text(), "FAIL 1/2");
        assert!(!attr[1].unsupported);
        assert_eq!(attr[2].state, CellState::NotCovered);
        assert_eq!(m.rows[0].1[1].text(), "pass 1");
    }

    #[test]
    fn code_cells_say_covered_untriggerable_or_not_documented() {
        let m = error_code_matrix(&sample_report());
        assert_eq!(m.columns, [10002, 10007, 10010, 70001]);
        let names: Vec<&str> = m.rows.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["service", "modify_group_attr"]);
        let states = |row: usize| -> Vec<CellState> {
            m.rows[row].1.iter().map(|c| c.state).collect::<Vec<_>>()
        };
        use CellState::*;
        assert_eq!(
            states(0),
            [NotDocumented, NotDocumented, NotDocumented, NotCovered]
        );
        assert_eq!(states(1), [Untriggerable, Error, NotCovered, NotDocumented]);
        assert_eq!(
            m.rows[1].1[1].cases,
            ["modify_group_attr::group_type.Private"]
        );
    }
}

//! Resolving the parts of a spec that declare documented rules beyond a plain maximum: minimum
//! edges, integer ranges, untriggerable sides, write-bucket counting and signature expiry.

use std::sync::Arc;

use indexmap::IndexMap;

use super::load::{Resolver, did_you_mean, list_names, loc_of};
use super::model::*;
use super::raw::*;

/// The sides of a limit a spec may declare untriggerable.
pub(super) const LIMIT_SIDES: [&str; 4] = ["at_max", "past_max", "at_min", "below_min"];
/// The sides of a range.
pub(super) const RANGE_SIDES: [&str; 4] = ["at_min", "below_min", "at_max", "past_max"];

impl Resolver {
    /// `min:` of a limit; it cannot exceed `max`.
    pub(super) fn limit_min(
        &mut self,
        file: &Arc<SpecFile>,
        name: &str,
        raw: &RawLimit,
    ) -> Option<u64> {
        let min = raw.min.as_ref()?;
        if min.value > raw.max {
            self.err(
                &loc_of(file, &min.referenced),
                format!(
                    "limit `{name}` has min {} above its max {}",
                    min.value, raw.max
                ),
            );
        }
        Some(min.value)
    }

    /// `untriggerable: {side: reason}`: every side must be one of `sides`, every reason said.
    pub(super) fn untriggerable(
        &mut self,
        file: &Arc<SpecFile>,
        raw: &IndexMap<String, S<String>>,
        sides: &[&str],
    ) -> IndexMap<String, String> {
        let mut out = IndexMap::new();
        for (side, reason) in raw {
            let loc = loc_of(file, &reason.referenced);
            if !sides.contains(&side.as_str()) {
                let hint = did_you_mean(side, sides.iter().copied());
                self.err(
                    &loc,
                    format!(
                        "unknown side `{side}`{hint}; the sides are {}",
                        list_names(sides.iter().copied())
                    ),
                );
            }
            if reason.value.trim().is_empty() {
                self.err(
                    &loc,
                    format!("side `{side}` is untriggerable but gives no reason"),
                );
            }
            out.insert(side.clone(), reason.value.clone());
        }
        out
    }

    /// Named probes (`counted:`, `not_counted:` of a write limit).
    pub(super) fn templates(
        &mut self,
        file: &Arc<SpecFile>,
        raw: &IndexMap<String, S<RawCaseTemplate>>,
    ) -> IndexMap<String, CaseTemplate> {
        raw.iter()
            .map(|(name, t)| (name.clone(), self.case_template(file, t)))
            .collect()
    }

    pub(super) fn ranges(
        &mut self,
        file: &Arc<SpecFile>,
        raw: &IndexMap<String, S<RawRange>>,
    ) -> IndexMap<String, Range> {
        raw.iter()
            .map(|(name, r)| {
                let loc = loc_of(file, &r.referenced);
                let raw = &r.value;
                if raw.min > raw.max {
                    self.err(
                        &loc,
                        format!(
                            "range `{name}` has min {} above its max {}",
                            raw.min, raw.max
                        ),
                    );
                }
                for p in &raw.profiles {
                    if !self.profile_names.contains(&p.value) {
                        let hint =
                            did_you_mean(&p.value, self.profile_names.iter().map(String::as_str));
                        self.err(
                            &loc_of(file, &p.referenced),
                            format!("range `{name}` names unknown profile `{}`{hint}", p.value),
                        );
                    }
                }
                let range = Range {
                    name: name.clone(),
                    description: raw.description.clone(),
                    min: raw.min,
                    max: raw.max,
                    code: CodeSet(raw.code.value.to_vec()),
                    profiles: self.strings(file, &raw.profiles),
                    probe: raw.probe.as_ref().map(|p| self.case_template(file, p)),
                    untriggerable: self.untriggerable(file, &raw.untriggerable, &RANGE_SIDES),
                    loc,
                };
                (name.clone(), range)
            })
            .collect()
    }

    pub(super) fn expiry(&mut self, file: &Arc<SpecFile>, raw: &S<RawExpiry>) -> SigExpiry {
        let loc = loc_of(file, &raw.referenced);
        let e = &raw.value;
        if e.after_secs >= e.issued_secs_ago {
            self.err(
                &loc,
                format!(
                    "expiry: after_secs ({}) must be below issued_secs_ago ({}), or the expired sig would need a negative lifetime",
                    e.after_secs, e.issued_secs_ago
                ),
            );
        }
        if e.before_secs == 0 || e.after_secs == 0 {
            self.err(
                &loc,
                "expiry: before_secs and after_secs must be above 0 (a margin for the target's clock)",
            );
        }
        SigExpiry {
            description: e.description.clone(),
            code: CodeSet(e.code.value.to_vec()),
            before_secs: e.before_secs,
            after_secs: e.after_secs,
            issued_secs_ago: e.issued_secs_ago,
            probe: e.probe.as_ref().map(|p| self.case_template(file, p)),
            loc,
        }
    }
}

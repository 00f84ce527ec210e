//! Volleys: consecutive `burst` steps, which set out to trip a rate limit. Close by they go
//! answer by answer, so their order at the target is certain. Far away that would spread them
//! over more than the one second a rate window spans, so they go at once, a short gap apart —
//! and then the target may receive them in another order than they were sent (separate
//! connections, a busy network). The docs fix how many calls a window admits, not which of
//! near-simultaneous calls the target saw first: so the answers of a volley sent at once are
//! matched to its steps' expectations as a set, among steps that make the same call.

use std::time::Duration;

/// Between the sends of a volley: to keep them arriving in order as far as the network
/// allows, and little enough that a volley of a dozen fits well inside one second.
pub(crate) const VOLLEY_GAP: Duration = Duration::from_millis(20);

/// A volley that answer by answer would take longer than this is sent at once: half the one
/// second a rate window spans.
pub(crate) const VOLLEY_SPAN: Duration = Duration::from_millis(500);

/// Whether a volley of `steps` goes out at once at this round trip (None: none seen yet).
pub(crate) fn sent_at_once(steps: usize, round_trip: Option<Duration>) -> bool {
    steps > 1 && round_trip.is_some_and(|rt| rt * steps as u32 > VOLLEY_SPAN)
}

/// Which answer each step of a volley is judged on: `order[k]` is the answer for step `k`.
/// A step keeps its own answer when its code is one the step expects; otherwise it takes an
/// answer to the same call, not yet taken, whose code it expects; otherwise its own (or any
/// left), to fail as it would in order.
pub(crate) fn answer_order(
    calls: &[&str],
    expected: &[Vec<i64>],
    codes: &[Option<i64>],
) -> Vec<usize> {
    let n = calls.len();
    let fits =
        |step: usize, answer: usize| codes[answer].is_some_and(|c| expected[step].contains(&c));
    let mut order: Vec<Option<usize>> = (0..n).map(|k| fits(k, k).then_some(k)).collect();
    let mut taken: Vec<bool> = order.iter().map(Option::is_some).collect();
    for k in 0..n {
        if order[k].is_some() {
            continue;
        }
        if let Some(j) = (0..n).find(|&j| !taken[j] && calls[j] == calls[k] && fits(k, j)) {
            order[k] = Some(j);
            taken[j] = true;
        }
    }
    for k in 0..n {
        if order[k].is_none() {
            let j = if taken[k] {
                (0..n)
                    .find(|&j| !taken[j])
                    .expect("as many answers as steps")
            } else {
                k
            };
            order[k] = Some(j);
            taken[j] = true;
        }
    }
    order
        .into_iter()
        .map(|j| j.expect("every step has an answer"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_in_order_stay_with_their_steps() {
        let calls = ["w"; 3];
        let expected = [vec![0], vec![0], vec![10049]];
        assert_eq!(
            answer_order(&calls, &expected, &[Some(0), Some(0), Some(10049)]),
            [0, 1, 2]
        );
    }

    #[test]
    fn a_refusal_that_arrived_early_is_matched_to_the_step_expecting_it() {
        // The last write overtook the fifth: the fifth was refused, the last admitted.
        let calls = ["w"; 6];
        let mut expected = vec![vec![0]; 5];
        expected.push(vec![10049]);
        let codes = [Some(0), Some(0), Some(0), Some(0), Some(10049), Some(0)];
        assert_eq!(answer_order(&calls, &expected, &codes), [0, 1, 2, 3, 5, 4]);
    }

    #[test]
    fn answers_are_not_matched_across_calls_nor_made_up() {
        // A modify refused where only a delete expects refusal: no swap, the step fails.
        let calls = ["modify", "delete"];
        let expected = [vec![0], vec![10049]];
        assert_eq!(
            answer_order(&calls, &expected, &[Some(10049), Some(0)]),
            [0, 1]
        );
        // Two refusals where one is expected: one step keeps a refusal it does not expect.
        let calls = ["w"; 3];
        let expected = [vec![0], vec![0], vec![10049]];
        let order = answer_order(&calls, &expected, &[Some(10049), Some(0), Some(10049)]);
        assert_eq!(order, [0, 1, 2]);
        // No answer at all (a transport error): judged on its own.
        assert_eq!(
            answer_order(&calls, &expected, &[None, Some(0), Some(10049)]),
            [0, 1, 2]
        );
    }
}

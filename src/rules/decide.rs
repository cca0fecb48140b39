//! `decide`: which rules this visitor sees on this page, and why each other rule does not.
//!
//! A pure function of the rule set and [`DecideInput`] (attributes, visitor id, time, URL and
//! exposure history): the same input always gives the same [`Decisions`]. For each rule, in
//! order: its schedule, its pages, its condition, its frequency cap. The rules that pass compete
//! per slot: the highest `priority` wins, then the earliest in the file; a rule without a slot
//! competes with nobody. A winner whose holdout bucket holds this visitor becomes a *control*
//! decision: no edits, the default stays, and the shell records the exposure as control, so the
//! holdout also keeps the slot's lower-priority rules away (a control visitor sees the default).
//!
//! Explanations are built from static pieces and the rule's own strings, without `format!`.

use super::action::Edit;
use super::scope::in_scope;
use super::text::{push_i64, push_u64};
use super::{Rule, RuleSet};
use crate::bucket;
use crate::float;
use crate::prelude::*;
use crate::profile::ExposureCounts;
use crate::Value;

/// What `decide` needs to know about this visitor and page view.
pub struct DecideInput<'a> {
    /// The attributes conditions and templates read (`profile::attributes`).
    pub attributes: &'a Value,
    /// The visitor id: holdouts are bucketed by it. Empty: nobody is held out.
    pub visitor_id: &'a str,
    /// Milliseconds since the epoch (`Date.now()`).
    pub now: f64,
    /// The visitor's local day number (`PageContext::day_number`).
    pub today: i64,
    /// The page's URL (absolute, or a path): page patterns match it.
    pub url: &'a str,
    /// Exposure history of a rule on day `today`: `&|rule, today| profile.exposure_counts(rule,
    /// today)`.
    pub exposures: &'a dyn Fn(&str, i64) -> ExposureCounts,
}

/// How a rule came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Shown: its edits are in a [`Decision`].
    Applied,
    /// Won, but this visitor is in the rule's holdout: the default stays; record as control.
    Holdout,
    NotYetScheduled,
    ScheduleEnded,
    /// The page is not in the rule's `pages`.
    OtherPage,
    ConditionFalse,
    Capped,
    /// Another rule won the slot.
    LostSlot,
}

impl Outcome {
    /// A stable name for JavaScript and JSON (`applied`, `holdout`, `lost-slot`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Holdout => "holdout",
            Outcome::NotYetScheduled => "not-yet-scheduled",
            Outcome::ScheduleEnded => "schedule-ended",
            Outcome::OtherPage => "other-page",
            Outcome::ConditionFalse => "condition-false",
            Outcome::Capped => "capped",
            Outcome::LostSlot => "lost-slot",
        }
    }
}

/// A rule that won (or has no slot) on this page view.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub rule_id: String,
    pub slot: Option<String>,
    pub priority: i32,
    /// Control: apply nothing, but record the exposure (as control).
    pub holdout: bool,
    /// The edits to apply, templates rendered; empty for a holdout.
    pub actions: Vec<Edit>,
    /// The slot's payload, templates rendered; `None` for a holdout or a rule without `data`.
    pub data: Option<Vec<(String, String)>>,
    /// The rule only hands data to the page (no actions): its exposure is recorded when the
    /// page renders the payload (or, for a holdout, the default in its place), not on decide.
    pub exposed_when_shown: bool,
}

/// Why one rule did or did not apply.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleReport {
    pub rule_id: String,
    pub outcome: Outcome,
    /// For people: `matched: pet = cat; cap 2 of 3 today; won slot hero`.
    pub reason: String,
}

/// The result of [`decide`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decisions {
    /// The winners in precedence order (higher priority first, then rule order): when two of
    /// them change the same element, the first one's change should stand, so a shell that
    /// applies them one after the other should go from the last to the first.
    pub decisions: Vec<Decision>,
    /// One report per rule, in rule order.
    pub reports: Vec<RuleReport>,
}

impl Decisions {
    /// The report for rule `id`.
    pub fn report(&self, id: &str) -> Option<&RuleReport> {
        self.reports.iter().find(|r| r.rule_id == id)
    }
}

impl RuleSet {
    /// See [`decide`].
    pub fn decide(&self, input: &DecideInput<'_>) -> Decisions {
        decide(self, input)
    }
}

/// Decides which rules apply for `input`; see the module documentation.
pub fn decide(rules: &RuleSet, input: &DecideInput<'_>) -> Decisions {
    let mut reports = Vec::with_capacity(rules.rules.len());
    // Rules that passed every check, by index.
    let mut eligible: Vec<usize> = Vec::new();
    for (index, rule) in rules.rules.iter().enumerate() {
        let (outcome, reason) = check(rule, input);
        if outcome == Outcome::Applied {
            eligible.push(index);
        }
        reports.push(RuleReport {
            rule_id: rule.id.clone(),
            outcome,
            reason,
        });
    }

    // Slot winners: (slot, rule index), first come first served, replaced by higher priority.
    let mut winners: Vec<(&str, usize)> = Vec::new();
    for &i in &eligible {
        let Some(slot) = rules.rules[i].slot.as_deref() else {
            continue;
        };
        match winners.iter_mut().find(|(s, _)| *s == slot) {
            Some(entry) if rules.rules[i].priority > rules.rules[entry.1].priority => entry.1 = i,
            Some(_) => {}
            None => winners.push((slot, i)),
        }
    }

    let mut decisions = Vec::new();
    for &i in &eligible {
        let rule = &rules.rules[i];
        let report = &mut reports[i];
        if let Some(slot) = rule.slot.as_deref() {
            let winner = winners
                .iter()
                .find(|(s, _)| *s == slot)
                .map_or(i, |&(_, w)| w);
            if winner != i {
                lose_slot(
                    report,
                    rule,
                    &rules.rules[winner],
                    in_holdout(&rules.rules[winner], input),
                );
                continue;
            }
            report.reason.push_str("; won slot ");
            report.reason.push_str(slot);
        }
        let holdout = in_holdout(rule, input);
        let mut actions = Vec::new();
        let mut data = None;
        if holdout {
            report.outcome = Outcome::Holdout;
            report
                .reason
                .push_str("; holdout (control): the default stays");
        } else {
            data = rule
                .data
                .as_ref()
                .map(|p| super::payload::render(p, input.attributes));
            for action in &rule.actions {
                match action.resolve(input.attributes) {
                    Ok(edit) => actions.push(edit),
                    Err(why) => {
                        report.reason.push_str("; action ");
                        push_u64(&mut report.reason, u64::from(action.action_index));
                        report.reason.push_str(" refused: ");
                        report.reason.push_str(why);
                    }
                }
            }
        }
        // Precedence order; equal priorities keep rule order. (An insertion, not a sort: there
        // are few winners, and the sort's code would cost the wasm kilobytes.)
        let at = decisions
            .iter()
            .position(|d: &Decision| d.priority < rule.priority)
            .unwrap_or(decisions.len());
        decisions.insert(
            at,
            Decision {
                rule_id: rule.id.clone(),
                slot: rule.slot.clone(),
                priority: rule.priority,
                holdout,
                actions,
                data,
                exposed_when_shown: rule.data.is_some() && rule.actions.is_empty(),
            },
        );
    }
    Decisions { decisions, reports }
}

/// Schedule, pages, condition and cap, in that order; `Applied` means "eligible so far".
fn check(rule: &Rule, input: &DecideInput<'_>) -> (Outcome, String) {
    let mut reason = String::new();
    if let Some((start, text)) = &rule.schedule.start {
        if input.now < *start {
            reason.push_str("not scheduled yet (starts ");
            reason.push_str(text);
            reason.push(')');
            return (Outcome::NotYetScheduled, reason);
        }
    }
    if let Some((end, text)) = &rule.schedule.end {
        if input.now >= *end {
            reason.push_str("schedule ended (");
            reason.push_str(text);
            reason.push(')');
            return (Outcome::ScheduleEnded, reason);
        }
    }
    if !in_scope(&rule.pages, input.url) {
        reason.push_str("not on this page (pages: ");
        for (i, p) in rule.pages.iter().enumerate() {
            if i > 0 {
                reason.push_str(", ");
            }
            reason.push_str(&p.source);
        }
        reason.push(')');
        return (Outcome::OtherPage, reason);
    }
    if !rule.condition.matches(input.attributes) {
        reason.push_str("condition false: ");
        reason.push_str(&rule.summary);
        return (Outcome::ConditionFalse, reason);
    }
    let cap = &rule.cap;
    let counts = if cap.is_none() {
        ExposureCounts::default()
    } else {
        (input.exposures)(&rule.id, input.today)
    };
    let limits = [
        (cap.session, counts.session, " this session"),
        (cap.day, counts.day, " today"),
        (cap.lifetime, counts.lifetime, " in all"),
    ];
    for (limit, count, when) in limits {
        if let Some(max) = limit {
            if count >= max {
                reason.push_str("capped: ");
                push_count(&mut reason, count, max, when);
                return (Outcome::Capped, reason);
            }
        }
    }
    if let (Some(minutes), Some(last)) = (cap.min_interval_minutes, counts.last) {
        let ago = float::floor((input.now - last) / 60_000.0);
        if ago < f64::from(minutes) {
            reason.push_str("capped: shown ");
            push_u64(&mut reason, ago.max(0.0) as u64);
            reason.push_str(" min ago, minimum interval ");
            push_u64(&mut reason, u64::from(minutes));
            reason.push_str(" min");
            return (Outcome::Capped, reason);
        }
    }
    reason.push_str("matched: ");
    reason.push_str(if rule.summary.is_empty() {
        "everyone"
    } else {
        &rule.summary
    });
    let mut first = true;
    for (limit, count, when) in limits {
        if let Some(max) = limit {
            reason.push_str(if first { "; cap " } else { ", " });
            first = false;
            push_count(&mut reason, count, max, when);
        }
    }
    (Outcome::Applied, reason)
}

fn push_count(out: &mut String, count: u32, max: u32, when: &str) {
    push_u64(out, u64::from(count));
    out.push_str(" of ");
    push_u64(out, u64::from(max));
    out.push_str(when);
}

fn lose_slot(report: &mut RuleReport, loser: &Rule, winner: &Rule, winner_holdout: bool) {
    report.outcome = Outcome::LostSlot;
    let r = &mut report.reason;
    r.push_str("; lost slot ");
    r.push_str(loser.slot.as_deref().unwrap_or(""));
    r.push_str(" to rule ");
    r.push_str(&winner.id);
    r.push_str(" (priority ");
    push_i64(r, i64::from(winner.priority));
    if winner.priority > loser.priority {
        r.push_str(" > ");
        push_i64(r, i64::from(loser.priority));
        r.push(')');
    } else {
        r.push_str(" = ");
        push_i64(r, i64::from(loser.priority));
        r.push_str(", earlier in order)");
    }
    if winner_holdout {
        r.push_str(", which holds this visitor out: the default stays");
    }
}

/// Whether `rule`'s holdout holds this visitor: GrowthBook's hash (v2) of the visitor id, seeded
/// with the rule id, below the holdout share.
fn in_holdout(rule: &Rule, input: &DecideInput<'_>) -> bool {
    rule.holdout > 0.0
        && !input.visitor_id.is_empty()
        && bucket::hash(&rule.id, input.visitor_id, 2).is_some_and(|n| n < rule.holdout)
}

"""Trauma: high-energy (PATHWAY.md §1: out of scope, R28 — those patients follow trauma imaging criteria) and
low-velocity, a fall (§3 fracture risk, R10).

Read where a red flag is read (§2 "Where a finding is read": a Condition of any category, an Observation, a
visit's or another order's reason, the order's own reason), by the external-cause code of the mechanism
(``high_energy_trauma.json``, ``low_velocity_trauma.json``: ``facts_flags``) — and a fall or a car crash
written only in words ("fell from standing", "slipped on ice", a chief complaint "Fall"), read here as
fracture risk only. PURE.

Scope silences every card, red-flag cards included (§1 v2: only age and high-energy trauma keep an order
out of scope despite a red flag), so the trauma counts only when it is certainly recent — the rule for
evidence that supports a conclusion (docs/pathway-facts.md §1): its whole date within
``conservative_care_days`` (six weeks) before the order, the span in which this pathway could otherwise
defer imaging of pain the trauma caused. An undated or older trauma is not the episode's cause as far as
the chart shows, and must never silence a red flag; words never silence one either.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.chart.dates import FhirDate
from app.pathway.facts_common import (
    Context,
    certainly_within,
    condition_first_date,
    condition_void,
    dated,
    last_day,
    possibly_by,
    shown_name,
)
from app.pathway.facts_flags import findings, stated_texts
from app.pathway.model import Evidence, Finding, RedFlag

__all__ = ["recent_high_energy_trauma", "trauma_in_words"]

_CONCEPTS = ("high_energy_trauma",)
_CODED = ("low_velocity_trauma", "high_energy_trauma")
# A fall in words: "fell", "fallen", "slipped", "tripped", "stumbled", "slip and fall" (not "fell asleep", a
# "slipped disc" or "fallen arches"); "fall" or "falls" after what makes it an event ("s/p fall", "after a
# fall", "mechanical fall") or before where it happened ("fall from standing", "fall on ice", "fall at
# home"), or alone as a chief complaint ("Fall", "Fall, initial encounter") — never a risk, a screen or a
# precaution, and never the season ("since the fall").
_NOT_AN_EVENT = r"(?!\s+(?:risk|prevention|precaution|screen|assessment|history|score))"
_FALL = re.compile(
    r"\b(?:fell(?!\s+asleep)|fallen(?!\s+arch)|slipped(?!\s+dis[ck])|tripped|stumbled)\b"
    r"|\b(?:slip|trip)[\s&-]*(?:and|n)?[\s&-]*fall\b"
    r"|\b(?:s/p|status\s+post|after(?:\s+a)?|following(?:\s+a)?|post|mechanical|ground[-\s]level|same[-\s]level"
    r"|recent|accidental|witnessed|unwitnessed|had\s+a)\s+falls?\b" + _NOT_AN_EVENT +
    r"|\bfalls?\s+(?:from|on|off|onto|down|at|in|while|backwards?|injury)\b"
    r"|^\W*falls?\b" + _NOT_AN_EVENT + r"(?!\s+(?:of|\d))",
    re.IGNORECASE)
# A car crash in words; read as trauma (fracture risk), never as the coded high-energy trauma that silences.
_CRASH = re.compile(
    r"\b(?:mvc|mva|motor\s+vehicle\s+(?:collision|crash|accident)|car\s+(?:accident|crash)|rear[-\s]ended)\b",
    re.IGNORECASE)
# A negation a few words before the event: "denies falls", "no recent fall", "without trauma or fall".
_NEGATED = re.compile(r"\b(?:no|not|denies|denied|denying|without|never|negative\s+for)\b[\w\s,/-]{0,25}$",
                      re.IGNORECASE)


def recent_high_energy_trauma(ctx: Context) -> bool:
    """True when a high-energy mechanism is recorded, dated wholly within the six weeks before the order
    (the order's own reason is dated the order date). Undated, partial across the limit, or older: False."""
    earliest = ctx.days_before(ctx.policy.conservative_care_days)
    return any(certainly_within(statement.on, earliest, ctx.order_date)
               for statement, _ in findings(ctx, _CONCEPTS))


def trauma_in_words(ctx: Context) -> Iterator[tuple[RedFlag, Evidence]]:
    """§3 fracture risk "low-velocity trauma" written in words only — a visit's or an order's reason, the
    draft order's reason for exam, a free-text problem — while new, as a coded fall counts (``Keep.NEW``:
    dated within ``episode_gap_days``, or undated; never after the order). A car crash in words is trauma
    too: fracture risk, never out of scope (docs/pathway-facts.md "Ninth pass: fracture risk and trauma")."""
    since = ctx.days_before(ctx.policy.episode_gap_days)
    for words, reference, on in (*stated_texts(ctx), *_problem_words(ctx), *_order_words(ctx)):
        if not possibly_by(on, ctx.order_date) or (on is not None and last_day(on) < since):
            continue
        for text in words:
            kind = _trauma_named(text)
            if kind is not None:
                yield RedFlag.FRACTURE_RISK, Evidence(kind, reference, dated(on), text=shown_name(text))


_Words = tuple[tuple[str, ...], str | None, FhirDate | None]


def _problem_words(ctx: Context) -> Iterator[_Words]:
    """A Condition in words: its text and its codings' displays, when no coding is a trauma code (a coded
    one is read by its code); refuted and entered-in-error ones say nothing."""
    for c in ctx.chart.conditions:
        coded = any(ctx.vs.contains(concept, coding) for concept in _CODED for coding in c.codings)
        if not coded and not condition_void(c):
            words = tuple(t for t in (c.text, *(coding.display for coding in c.codings)) if t)
            yield words, c.reference, condition_first_date(c, ctx.chart.patient, ctx.order_date)


def _order_words(ctx: Context) -> Iterator[_Words]:
    """The draft order's reason for exam in words ("fell from standing, r/o compression fracture")."""
    if ctx.order is not None and ctx.order.reason_texts:
        yield ctx.order.reason_texts, ctx.order.reference, FhirDate(ctx.order_date)


def _trauma_named(text: str) -> Finding | None:
    """The trauma ``text`` names, unless the words just before it negate it."""
    for pattern, kind in ((_FALL, Finding.LOW_VELOCITY_TRAUMA), (_CRASH, Finding.HIGH_ENERGY_TRAUMA)):
        found = next((m for m in pattern.finditer(text) if not _NEGATED.search(text[:m.start()])), None)
        if found is not None:
            return kind
    return None

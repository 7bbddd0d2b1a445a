"""Fracture risk (PATHWAY.md §3, R10) written in words only: a fall ("fell from standing", "slipped on ice", a
chief complaint "Fall"), a car crash ("MVC"), osteoporosis or a vertebral compression fracture — in a visit's,
a prescription's, a procedure's or an order's reason, the draft order's reason for exam, or a free-text
problem (as Oracle Health exports a diagnosis with no code, or a site's local code named "Fall"). PURE.

§2 reads a finding "wherever the chart holds it"; the coded concepts are read in ``facts_flags``. The safe
side (docs/pathway-facts.md "Ninth pass: fracture risk and trauma"): a fracture risk found only makes
radiographs first appropriate (R10, never a defer), and words never take an order out of scope — a crash in
words is trauma, fracture risk, not the coded high-energy trauma of §1 that silences every card. A word is
not read when the words just before it negate it ("denies falls", "no osteoporosis"), nor when it names a
risk, a screen, a family history, osteoporosis to rule out, the season or another thing ("fell asleep", a
"slipped disc", "fallen arches"), or the words after it exclude it ("compression fracture ruled out"); a
compression fracture to rule out is the suspicion R10 answers. A fall or a crash counts while new, as a
coded one does (``Keep.NEW``: within ``episode_gap_days``, or undated); osteoporosis and a vertebral
fracture whatever their age.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from app.chart.dates import FhirDate
from app.pathway.facts_answers import observation_void
from app.pathway.facts_common import (
    Context,
    condition_current,
    condition_first_date,
    condition_void,
    dated,
    shown_name,
)
from app.pathway.facts_dates import last_day, possibly_by
from app.pathway.facts_findings import stated_texts
from app.pathway.facts_match import MEMO_MAX_TEXT_CHARS, matched_members
from app.pathway.facts_named import narrative
from app.pathway.facts_negation import clause_start
from app.pathway.model import Evidence, Finding, RedFlag
from app.terminology import Coding

__all__ = ["fracture_risk_in_words"]

# The coded concepts: a record coded by one of them is read by its code (facts_flags), not its words.
_CODED = ("low_velocity_trauma", "high_energy_trauma", "osteoporosis", "vertebral_fracture",
          "long_term_steroids")
_NOT_AN_EVENT = r"(?!\s+(?:risk|prevention|precaution|screen|assessment|history|score))"
# A fall: "fell", "fallen", "slipped", "tripped", "stumbled", "slip and fall" (not "fell asleep", a "slipped
# disc" or "fallen arches"); "fall" or "falls" after what makes it an event ("s/p fall", "after a fall",
# "mechanical fall") or before where it happened ("fall from standing", "fall on ice", "fall at home"), or
# alone as a chief complaint ("Fall", "Fall, initial encounter") — never the season ("since the fall").
_FALL = re.compile(
    r"\b(?:fell(?!\s+asleep)|fallen(?!\s+arch)|slipped(?!\s+dis[ck])|tripped|stumbled)\b"
    r"|\b(?:slip|trip)[\s&-]*(?:and|n)?[\s&-]*fall\b"
    r"|\b(?:slip|trip)\s+(?:on|over)\b"
    r"|\bglf\b"  # "ground-level fall", as emergency notes abbreviate it
    r"|\b(?:s/p|status\s+post|after(?:\s+a)?|following(?:\s+a)?|post|mechanical|ground[-\s]level|same[-\s]level"
    r"|recent|accidental|witnessed|unwitnessed|had\s+a|with(?:\s+a)?)\s+falls?\b" + _NOT_AN_EVENT +
    # a trauma of unstated energy after which the pain began: fracture risk, never the coded §1 trauma
    r"|\b(?:s/p|status\s+post|after(?:\s+a)?|following(?:\s+a)?|post|recent|minor)\s+trauma\b" +
    r"|\bfalls?\s+(?:from|on|off|onto|down|at|in|while|backwards?|injury)\b"
    r"|^\W*falls?\b" + _NOT_AN_EVENT + r"(?!\s+(?:of|\d))",
    re.IGNORECASE)
_CRASH = re.compile(
    r"\b(?:mvc|mva|mcc|motor\s+vehicle\s+(?:collision|crash|accident)|(?:car|auto|motorcycle)\s+"
    r"(?:accident|crash|collision|wreck)|rear[-\s]ended|ped(?:estrian)?\s+(?:vs|versus|struck))\b",
    re.IGNORECASE)
# ... or a T-score of -2.5 or lower written in a report's prose ("Lowest T-score -2.8 at L1-L4"; WHO 1994).
_OSTEOPOROSIS = re.compile(
    r"\bosteoporo(?:sis|tic)\b(?!\s+(?:risk|screen|prevention|assessment))"
    r"|\bt[-\s]?score\b[^\d\-\u2212\u2013.;]{0,20}[-\u2212\u2013]\s*(?:2\.[5-9]\d*|[3-9](?:\.\d+)?)(?![\d.])",
    re.IGNORECASE)
# A vertebral compression or wedge fracture, a collapsed vertebra, and its treatment (vertebral_fracture,
# vertebral_augmentation): "L1 compression fracture", "T12 compression fx", "s/p kyphoplasty".
_VERTEBRAL = re.compile(
    r"\b(?:compression|wedge|burst|vertebral|spinal|spine)\s+(?:body\s+)?(?:fracture|fx|deformity)\b"
    r"|\b(?:fragility|insufficiency)\s+(?:fracture|fx)\b"
    r"|\b(?:collapsed\s+vertebra|vertebral\s+collapse|kyphoplasty|vertebroplasty)\b",
    re.IGNORECASE)
# Long-term systemic steroids (§3: "steroids for 90 days or more"; ICD-10-CM Z79.52 in words): "long-term
# (current) use of systemic steroids", "chronic prednisone", "steroid-dependent" — never an inhaled, nasal,
# topical or eye steroid, nor an injection.
_STEROID = (r"(?:cortico|gluco)?steroids?|prednisone|prednisolone|methylprednisolone|dexamethasone"
            r"|hydrocortisone")
_LOCAL = r"(?!(?:inhaled|nasal|topical|eye|ophthalmic|intra-?articular|epidural)\b)"
_STEROIDS = re.compile(
    rf"\b(?:long[-\s]term|chronic)\s+(?:\(?current\)?\s+)?(?:use\s+of\s+)?{_LOCAL}(?:(?:systemic|oral)\s+)?"
    rf"(?:{_STEROID})\b(?!\s+(?:injections?|inj|cream|ointment|drops|inhaler|spray)\b)"
    rf"|\b(?:{_STEROID})[-\s]dependen(?:t|ce|cy)\b"
    rf"|\b(?:{_STEROID})\b[^.;]{{0,30}}\b(?:long[-\s]term|chronic(?:ally)?)\b",
    re.IGNORECASE)
# Steroids first: "osteoporosis from chronic prednisone" is both classes' risk, osteoporosis only one's.
_PATTERNS = ((_STEROIDS, Finding.LONG_TERM_STEROIDS), (_FALL, Finding.LOW_VELOCITY_TRAUMA),
             (_CRASH, Finding.HIGH_ENERGY_TRAUMA), (_OSTEOPOROSIS, Finding.OSTEOPOROSIS),
             (_VERTEBRAL, Finding.VERTEBRAL_FRACTURE))
# Long-term steroids are an infection risk as well (§3 immunosuppression, as Z79.52 is: facts_flags).
_CLASSES = {Finding.LONG_TERM_STEROIDS: (RedFlag.INFECTION, RedFlag.FRACTURE_RISK)}
_EVENTS = frozenset({Finding.LOW_VELOCITY_TRAUMA, Finding.HIGH_ENERGY_TRAUMA})
# A negation or someone else's history a few words before the finding: "denies falls", "no recent fall",
# "without trauma or fall", "compression fracture ruled out", "family history of osteoporosis", a spouse's or
# a partner's ("lifting husband who fell"; twelfth pass).
_NEGATED = re.compile(
    r"\b(?:no|not|denies|denied|denying|without|never|negative\s+for|ruled\s+out|family|fh|mother|father"
    r"|sister|brother|wife|husband|spouse|partner|boyfriend|girlfriend|roommate)\b[\w\s,/():-]{0,25}$",
    re.IGNORECASE)
# Words after a state that exclude it: "compression fracture ruled out", "osteoporosis: negative" (matched
# where the state ends: ``_negated``).
_EXCLUDED_AFTER = re.compile(r"[\w\s,:-]{0,20}?\b(?:ruled\s+out|excluded|negative|absent|not\s+seen)\b",
                             re.IGNORECASE)
# A test for osteoporosis is no osteoporosis ("r/o osteoporosis", "DXA to screen for osteoporosis"); a
# suspected compression fracture is exactly what R10 answers (ACR LBP 2021 variant 6), so it counts.
_SOUGHT = re.compile(r"\b(?:r/o|rule\s+out|screen|screening|evaluate\s+for|eval\s+for)\b[\w\s,/():-]{0,25}$",
                     re.IGNORECASE)

# A record's words, its reference and date, and for a Condition whether it is current (active, or ended
# within ``redflag_resolved_window_days``); a reason (None) is as current as its date.
_Words = tuple[tuple[str, ...], str | None, FhirDate | None, bool | None]


def fracture_risk_in_words(ctx: Context) -> Iterator[tuple[RedFlag, Evidence]]:
    """§3 fracture risk named in words only, each finding shown in the chart's own words; an event (a fall,
    a crash) while new, the others whatever their age — but long-term steroids only while current (a
    problem active or just ended, a reason while new), and then also as the infection class."""
    since = ctx.days_before(ctx.policy.episode_gap_days)
    for words, reference, on, current in (*_reason_words(ctx), *_problem_words(ctx), *_order_words(ctx),
                                          *_observation_words(ctx)):
        if not possibly_by(on, ctx.order_date):
            continue
        new = on is None or last_day(on) >= since
        for text in words:
            kind = _named(text)
            if kind is None or (kind in _EVENTS and not new):
                continue
            if kind is Finding.LONG_TERM_STEROIDS and not (new if current is None else current):
                continue
            evidence = Evidence(kind, reference, dated(on), text=shown_name(text))
            yield from ((flag, evidence) for flag in _CLASSES.get(kind, (RedFlag.FRACTURE_RISK,)))


def _reason_words(ctx: Context) -> Iterator[_Words]:
    """A reason's words (``facts_findings.stated_texts``), when none of its codings is a fracture-risk code (a
    coded one is read by its code, and is not shown twice)."""
    for codings, texts, reference, on in stated_texts(ctx):
        if not _coded(ctx, codings):
            yield texts, reference, on, None


def _problem_words(ctx: Context) -> Iterator[_Words]:
    """A Condition in words: its text and its codings' displays, when no coding is a fracture-risk code;
    refuted and entered-in-error ones say nothing."""
    for c in ctx.chart.conditions:
        words = tuple(t for t in (c.text, *(coding.display for coding in c.codings)) if t)
        if any(_named(t) for t in words) and not _coded(ctx, c.codings) and not condition_void(c):
            current = condition_current(c, ctx.order_date, ctx.policy.redflag_resolved_window_days)
            yield words, c.reference, condition_first_date(c, ctx.chart.patient, ctx.order_date), current


def _observation_words(ctx: Context) -> Iterator[_Words]:
    """An exam row's prose and an Observation's note (``facts_named.narrative``: never a row named for a
    family history, a risk or teaching, "Fall risk": "fell last month"), dated by the row, as a reason is;
    not a row void or coded for a fracture risk (twelfth pass: "On chronic prednisone" in an exam was R1)."""
    for o in ctx.chart.observations:
        if (o.prose or o.notes) and not observation_void(o) and not _coded(ctx, o.codings):
            written = narrative(o)
            if written:
                yield written, o.reference, o.effective, None


def _coded(ctx: Context, codings: tuple[Coding, ...]) -> bool:
    return bool(matched_members(ctx.vs, _CODED, codings))


def _order_words(ctx: Context) -> Iterator[_Words]:
    """The draft order's reason for exam in words ("fell from standing, r/o compression fracture")."""
    if ctx.order is not None and ctx.order.reason_texts:
        yield ctx.order.reason_texts, ctx.order.reference, FhirDate(ctx.order_date), None


def _named(text: str) -> Finding | None:
    """The first fracture risk ``text`` names that the words just before it do not negate (nor, for
    osteoporosis, seek: a DXA ordered to rule it out). Remembered for ordinary-sized words: a chart's
    problem names and a site's visit reasons recur on every call, and four patterns read each."""
    return _named_once(text) if len(text) <= MEMO_MAX_TEXT_CHARS else _read_named(text)


@lru_cache(maxsize=4096)  # bounded like facts_match's memos
def _named_once(text: str) -> Finding | None:
    return _read_named(text)


# The steroid pattern is tried only on words naming one (a plain substring test): it is tried first, and a
# full scan of a long text that names none cost as much as the other four patterns together.
_STEROID_HINTS = ("steroid", "predni", "dexameth", "hydrocort")


def _read_named(text: str) -> Finding | None:
    lowered = text.lower()
    steroid = any(hint in lowered for hint in _STEROID_HINTS)
    for pattern, kind in _PATTERNS:
        if kind is Finding.LONG_TERM_STEROIDS and not steroid:
            continue
        if any(n == _MOST_MENTIONS or not _negated(text, m.start(), m.end(), kind)
               for n, m in enumerate(pattern.finditer(text))):
            return kind
    return None


# The mentions of one kind judged in one text: past this many negated ones the next counts (the safe side,
# as ``facts_named`` does), so that a hostile text repeating "no fell, " costs what an ordinary one does.
_MOST_MENTIONS = 16


# How far the negation, the search for a cause and the exclusion are looked for around a finding: the
# patterns reach about 40 characters ("negative for" and 25 more). Bounded, so that a 4 kB text naming a
# fall a thousand times ("no fell, no fell, …") is read in linear time: slicing and searching all that came
# before each mention took 90 ms per text, seconds for a chart of them.
_AROUND = 64


def _negated(text: str, start: int, end: int, kind: Finding) -> bool:
    """Negated in the words before it; for a state (not a fall or a crash: "fall, head CT negative" is
    still a fall) excluded after it; for osteoporosis, sought. Searched in place (``pos``/``endpos``), so
    that a word cut by the window's edge keeps its word boundary."""
    before = max(0, start - _AROUND)
    negated = _NEGATED.search(text, before, start) is not None
    if negated:  # only in its own clause ("no fever but fell"): the clause is looked for only then
        before = clause_start(text, before, start)
        negated = _NEGATED.search(text, before, start) is not None
    sought = kind is Finding.OSTEOPOROSIS and _SOUGHT.search(text, before, start) is not None
    excluded = kind not in _EVENTS and _EXCLUDED_AFTER.match(text, end, end + _AROUND) is not None
    return sought or excluded or negated

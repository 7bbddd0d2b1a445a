"""Motor-strength grades (MRC 0-5) from exam Observations: PATHWAY.md §3 v2 motor, CODES.md recommendation 6.

A grade is an Observation whose code is in the site-extensible ``motor_strength`` value set, or whose code
text names muscle strength/power, with a unitless 0-5 value ("4-", "4+" and "3/5" parsed; never kg, lb, N
or a 0-10 scale: grip dynamometry is not an MRC grade). Grades are compared only for the same muscle: the
same code (or code text) and the same bodySite/laterality codings.

* severe  = a grade ≤ 3 within the last 14 days that is new (no grade ≤ 3 for that muscle more than 90 days
  before it). An undated grade ≤ 3 counts: it cannot be shown to be old (invariant 6); a partial date
  (``2026-02``) is recent when its last day is, and an older grade is chronic only when its last day is.
* progressive = within the episode, a fall ending at ≤ 3, or a fall of ≥ 2 grades.
* a single fall 5 → 4 (or any other 1-grade fall above 3) is only "new mild weakness" (info).
* both legs (``both_legs``) = a new coded deficit of the right leg and one of the left: a cauda equina sign;
  from grades, a new grade ≤ 4 (or a fall) of a right and a left leg muscle (§3 CES names no grade).
The 14/90-day windows and the grade cut-offs are clinical (Eur Spine J 2014;23:1968), not site policy.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date
from functools import lru_cache

from app.chart.model import ObservationView
from app.immutable import immutable
from app.pathway.facts_answers import observation_void
from app.pathway.facts_common import Context, ordered
from app.pathway.facts_dates import last_day, possibly_by
from app.pathway.facts_flags import Keep, coded_evidence
from app.pathway.facts_legs import leg_side, side_in_words
from app.pathway.facts_match import member, words_memoisable
from app.pathway.facts_measured import unit_key
from app.pathway.model import Evidence, Finding, State
from app.terminology import Coding

SEVERE_GRADE = 3.0
# §3 CES "weakness of both legs" names no grade: a grade of 4 or below is weakness (eleventh pass).
WEAK_GRADE = 4.0
SEVERE_WINDOW_DAYS = 14
CHRONIC_AFTER_DAYS = 90
_STRENGTH_TEXT = re.compile(r"\b(strength|power|manual muscle test\w*|mmt|mrc)\b", re.IGNORECASE)
# A muscle or a movement a manual muscle test names: a flowsheet row "R EHL", "L ankle dorsiflexion".
_MUSCLE_TEXT = re.compile(
    r"\b(motor|muscles?|myotomes?|dorsi\s*flex\w*|plantar\s*flex\w*|flexion|extension|flexors?|extensors?"
    r"|abduct\w*|adduct\w*|inversion|eversion|ehl|hallucis|quadriceps|quads?|hamstrings?|iliopsoas|psoas"
    r"|tibialis|gastrocs?\w*|deltoids?|biceps|triceps|hip|knee|ankle|great\s+toe|toes?|wrist|elbow|shoulder"
    r"|fingers?|thumb|inteross\w*)\b", re.IGNORECASE)
_PER_FIVE = frozenset({"/5"})
_OUT_OF_FIVE = re.compile(r"[0-5]\s*[+-]?\s*(?:/|out\s+of)\s*5\b", re.IGNORECASE)
_NOT_MRC_TEXT = re.compile(r"\b(grip|dynamomet\w*|training|0\s*-\s*10|/\s*10)\b", re.IGNORECASE)
# "4-", "4+/5", "3/5", and the words a pick list may add: "Grade 2", "MRC 3", "2 out of 5".
_GRADE = re.compile(r"\s*(?:(?:grade|mrc)\s*)?([0-5])\s*([+-]?)\s*(?:(?:/|out\s+of)\s*5)?\s*", re.IGNORECASE)
# A range between two grades ("3-4/5", "4 to 5"): the lower one, on the safe side.
_RANGE = re.compile(r"\s*(?:(?:grade|mrc)\s*)?([0-5])\s*(?:-|–|to)\s*[0-5]\s*(?:(?:/|out\s+of)\s*5)?\s*",
                    re.IGNORECASE)
# A grade out of five and a comment after it ("2/5 - weak", "3/5, limited by pain").
_COMMENTED = re.compile(
    r"\s*((?:(?:grade|mrc)\s*)?[0-5]\s*[+-]?\s*(?:/|out\s+of)\s*5)(?:\s*[,;:(\-–]|\s)\s*\D.*",
    re.IGNORECASE | re.DOTALL)
# The Lovett/Kendall words manual muscle testing pick lists use for the same grades ("Fair+", "Trace").
_WORD_GRADE = re.compile(
    r"\s*(zero|trace|flicker|poor|fair|good|normal)\s*([+-]?)\s*(?:\([^)]*\))?\s*", re.IGNORECASE)
_WORD_GRADES = {"zero": 0, "trace": 1, "flicker": 1, "poor": 2, "fair": 3, "good": 4, "normal": 5}
_SIGNS = {"+": 0.25, "-": -0.25, "": 0.0}
# Compared after ``unit_key`` (case, spaces and [] dropped): an export may write "Score" or "{Score}".
_UNITLESS = frozenset({"1", "{score}", "{grade}", "/5", "{mrc}", "score", "grade", "mrc"})


@immutable
class Grade:
    muscle: tuple[str, tuple[tuple[str, str], ...]]
    value: float
    on: date | None
    last: date | None  # the last day a partial date (``2026-02``) can mean: §2, a date never hides a flag
    evidence: Evidence
    leg: str | None = None  # "right", "left" or "both": a leg's muscle on a side (``_leg_side``)


@immutable
class MotorGrades:
    """What the grades say: a serious motor finding (R6) and/or a new mild weakness (info)."""

    serious: tuple[Evidence, ...]
    mild: tuple[Evidence, ...]
    both_legs: tuple[Evidence, ...] = ()  # serious grades of a right and a left leg muscle: a CES sign


def motor_grades(ctx: Context, episode_start: date) -> MotorGrades:
    """Grades grouped by muscle; mild weakness is only reported when nothing serious was found."""
    by_muscle: dict[tuple[str, tuple[tuple[str, str], ...]], list[Grade]] = defaultdict(list)
    for grade in _grades(ctx):
        by_muscle[grade.muscle].append(grade)
    serious: list[tuple[Evidence, str | None]] = []
    weak: list[tuple[Evidence, str | None]] = []
    mild: list[Evidence] = []
    for grades in by_muscle.values():
        serious.extend(_severe(ctx, grades))
        weak.extend(_severe(ctx, grades, WEAK_GRADE))
        falls = list(_falls(grades, episode_start))
        serious.extend((e, leg) for e, leg, big in falls if big)
        weak.extend((e, leg) for e, leg, big in falls if not big)
        mild.extend(e for e, _, big in falls if not big)
    found = ordered(e for e, _ in serious)
    return MotorGrades(found, ordered(mild) if not found else (), _both_legs_graded([*serious, *weak]))


def _both_legs_graded(weak: list[tuple[Evidence, str | None]]) -> tuple[Evidence, ...]:
    """§3 CES "weakness of both legs" from MRC grades (tenth pass): a new grade of a leg muscle on the
    right and one on the left (or one row graded on both sides) — as a new coded deficit of each leg is
    (``both_legs``). §3 CES names no grade (its motor row's "severe" is ≤ 3): since the eleventh pass a new
    grade ≤ 4 or a fall counts — a 4/5 of each ankle's dorsiflexion is weakness of both legs; "4+/5" is not.
    One weak leg stays R6 (or R1 for a 4/5). Evidence of the legs' grades, or none."""
    legs = [(e, leg) for e, leg in weak if leg is not None]
    sides = {leg for _, leg in legs}
    return ordered(e for e, _ in legs) if "both" in sides or sides >= {"left", "right"} else ()


def both_legs(ctx: Context) -> tuple[Evidence, ...]:
    """§3 CES "weakness of both legs": a new motor deficit of the right leg and one of the left (foot drop
    M21.371 beside M21.372; ICD-10-CM has no bilateral code) is a cauda equina sign, as a new paraplegia
    is — each alone stays R6. New as the other CES signs are (``Keep.NEW``); the side is the value set's
    ``leg`` attribute, else (tenth pass) the side the chart's words name ("Left foot drop" as a free-text
    problem beside "Right foot drop", ``facts_legs.side_in_words``). Evidence of both sides, or none."""
    legs = ctx.vs.get("motor_deficit")
    found = [(e, legs.attributes(e.coding).get("leg") or side_in_words(e.coding.display))
             for e in coded_evidence(ctx, "motor_deficit", Keep.NEW) if e.coding is not None]
    sided = tuple(e for e, side in found if side is not None)
    sides = {side for _, side in found}
    return sided if "both" in sides or sides >= {"left", "right"} else ()


def _grades(ctx: Context) -> Iterator[Grade]:
    for o in ctx.chart.observations:
        if observation_void(o) or not possibly_by(o.effective, ctx.order_date):
            continue
        coding = member(ctx.vs, "motor_strength", o.codings)
        value = grade_value(o) if coding is not None or _is_grade_row(o) else None
        if value is not None:
            yield _grade(o, coding, value)
        if o.components:
            yield from _panel_items(ctx, o, coding is not None or _names_strength(o))


def _is_grade_row(o: ObservationView) -> bool:
    """Its text names strength or power, or it names a muscle or a movement and is graded out of five
    (both read from one look at its words: every Observation of the chart is asked)."""
    strength, muscle = _named_as(_texts(o))
    return strength or (muscle and _out_of_five(o))


def _panel_items(ctx: Context, panel: ObservationView, strength: bool) -> Iterator[Grade]:
    """A strength exam recorded as one panel ("Lower extremity strength") whose items name only the
    movement ("R ankle dorsiflexion": "2/5") or a local code: each item is a grade of its own muscle —
    any 0-5 grade under a panel naming strength, one graded out of five under a "Motor exam". An item that
    is a grade row by itself is read as one already (the chart lists the items beside their panel)."""
    if not strength and not _names_muscle(panel):
        return
    for item in panel.components:
        value = grade_value(item)
        listed = member(ctx.vs, "motor_strength", item.codings) is not None
        if value is None or listed or _is_grade_row(item):
            continue
        if strength or _out_of_five(item):
            yield replace(_grade(item, None, value), leg=leg_side(item, panel))


def _grade(o: ObservationView, coding: Coding | None, value: float) -> Grade:
    code = f"{coding.system}|{coding.code}" if coding is not None else _row_name(o)
    site = tuple(sorted((c.system, c.code) for c in o.body_site))
    on = o.effective.value if o.effective is not None else None
    last = last_day(o.effective) if o.effective is not None else None
    evidence = Evidence(Finding.MUSCLE_STRENGTH, o.reference, on, coding, text=o.text or None, value=value)
    return Grade((code, site), value, on, last, evidence, leg_side(o))


def _row_name(o: ObservationView) -> str:
    """Which muscle a row grades when its code is no listed one: its text, else its code's display, else
    the code (a panel's items named only by a local code must not all be one muscle)."""
    named = o.text or next((c.display for c in o.codings if c.display), None)
    first = o.codings[0] if o.codings else None
    return (named or (f"{first.system}|{first.code}" if first is not None else "")).strip().casefold()


def _texts(o: ObservationView) -> tuple[str, ...]:
    return tuple(t for t in (o.text, *(c.display for c in o.codings)) if t)


def _names_strength(o: ObservationView) -> bool:
    return _named_as(_texts(o))[0]


def _names_muscle(o: ObservationView) -> bool:
    return _named_as(_texts(o))[1]


def _named_as(texts: tuple[str, ...]) -> tuple[bool, bool]:
    """(names strength or power, names a muscle or movement), never for a row naming another scale.
    Memoised by the words: every Observation of the chart is asked, and a site's row names recur."""
    return _names_in(texts) if words_memoisable(texts) else _names_in.__wrapped__(texts)


@lru_cache(maxsize=4096)  # bounded like facts_match's memos
def _names_in(texts: tuple[str, ...]) -> tuple[bool, bool]:
    if any(_NOT_MRC_TEXT.search(t) for t in texts):
        return False, False
    return any(_STRENGTH_TEXT.search(t) for t in texts), any(_MUSCLE_TEXT.search(t) for t in texts)


def _out_of_five(o: ObservationView) -> bool:
    """Graded out of five: "3/5", "2 out of 5", or a Quantity in the unit "/5" (MRC; never a 0-10 scale, a
    reflex "2+/4" or the Glasgow motor score 1-6)."""
    written = o.value_string or o.value_text or ""
    return _OUT_OF_FIVE.search(written) is not None or unit_key(o.unit) in _PER_FIVE


def grade_value(o: ObservationView) -> float | None:
    """MRC grade from a unitless number 0-5 or a string such as "4-", "4+", "3/5", "Grade 2", "2 out of 5",
    "3-4/5", "2/5 - weak", "Poor" (``_written_grade``) — written as a string, or as the text or display of
    a coded answer (a flowsheet row whose answers are local codes "2/5"); else None."""
    if o.value is not None:
        unitless = o.unit is None or unit_key(o.unit) in _UNITLESS
        return o.value if unitless and 0 <= o.value <= 5 else None
    return _written_grade(o.value_string or o.value_text or "")


def _written_grade(text: str) -> float | None:
    """A grade as words write it: "4-", "3/5"; a range, by its lower grade ("3-4/5"); a grade out of five
    followed by a comment ("2/5 - weak"); a Lovett word ("Poor", "Fair+", "Trace"). Else None."""
    commented = _COMMENTED.fullmatch(text)
    found = _GRADE.fullmatch(commented.group(1) if commented is not None else text)
    if found is not None:
        return int(found.group(1)) + _SIGNS[found.group(2)]
    ranged = _RANGE.fullmatch(text)
    if ranged is not None:
        return float(ranged.group(1))
    worded = _WORD_GRADE.fullmatch(text)
    return _WORD_GRADES[worded.group(1).casefold()] + _SIGNS[worded.group(2)] if worded is not None else None


def _severe(ctx: Context, grades: list[Grade], cut: float = SEVERE_GRADE
            ) -> Iterator[tuple[Evidence, str | None]]:
    """A grade ≤ ``cut`` (3: severe) possibly in the last 14 days (undated, or a partial date reaching into
    them) with no grade ≤ ``cut`` certainly more than 90 days before it."""
    start = ctx.days_before(SEVERE_WINDOW_DAYS)
    for grade in grades:
        recent = grade.last is None or grade.last >= start
        if grade.value <= cut and recent and not _chronic(grades, grade, cut):
            yield replace(grade.evidence, state=State.NEW), grade.leg


def _chronic(grades: Iterable[Grade], low: Grade, cut: float = SEVERE_GRADE) -> bool:
    if low.on is None:
        return False
    limit = date.fromordinal(max(1, low.on.toordinal() - CHRONIC_AFTER_DAYS))
    return any(g.value <= cut and g.last is not None and g.last < limit for g in grades)


def _falls(grades: list[Grade], episode_start: date) -> Iterator[tuple[Evidence, str | None, bool]]:
    """Each later dated grade of the episode below an earlier one: (evidence, serious?). The earlier one
    may be the last grade before the episode — the 5/5 of the visit before the pain began is the baseline
    a fall within the episode is measured from (a 5/5 last autumn and a 3/5 fifteen days ago is a fall
    ending at 3); only the last one, and only when it was above 3: a muscle already weak before the episode
    is chronic (§3 "severe ... new"), not a fall of this episode."""
    before = [g for g in grades if g.on is not None and g.on < episode_start]
    last = max(before, key=_order) if before else None
    baseline = [last] if last is not None and last.value > SEVERE_GRADE else []
    dated = [*baseline, *sorted((g for g in grades if g.on is not None and g.on >= episode_start),
                                key=_order)]
    for i, later in enumerate(dated):
        earlier = [g for g in dated[:i] if g.on is not None and later.on is not None and g.on < later.on]
        best = max((g.value for g in earlier), default=None)
        if best is None or best <= later.value:
            continue
        serious = later.value <= SEVERE_GRADE or best - later.value >= 2
        state = State.FELL if serious else State.FELL_MILD
        yield replace(later.evidence, state=state, before=best), later.leg, serious


def _order(grade: Grade) -> tuple[date, float]:
    return grade.on or date.min, grade.value


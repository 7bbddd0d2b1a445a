"""Symptom durations a chart states, against the episode's onset (PATHWAY.md §2 onset and duration D; R1,
R19, R27; safety invariant 3: a duration not known to be under six weeks never produces a defer).

A clinic records how long the symptoms have lasted as often as when they began: a "Symptoms duration" row
(LOINC 64748-7, ``symptom_duration``) or a local flowsheet row named for it ("Duration of symptoms",
"Pain duration") answered ``8 wk`` or "2 months", and the order's own reason for exam ("L radicular pain
x 3 months"). Such a statement is the patient's estimate, not a day: it never dates the episode. It only
says the onset may be earlier than the one written — so an exact onset under six weeks that a duration
stated during the episode carries past six weeks is no longer verified: R27 "record the onset", never R1
on a written day the patient's own account contradicts. A shorter or equal stated duration changes
nothing (rounding: "3 weeks" beside 19 days). A diagnosis of the episode that says it is chronic
("Chronic left-sided low back pain with left-sided sciatica", SNOMED CT 278860009, ICD-10-CM G89.29 beside
M54.42; ``chronic_pain``) states twelve weeks or more: the same. PURE.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from functools import lru_cache

from app.chart.model import ObservationView
from app.pathway.facts_answers import observation_void
from app.pathway.facts_common import Context, coded_observations, moved_by, order_reasons
from app.pathway.facts_dates import possibly_by, shift
from app.pathway.facts_episode import Diagnosis, Onset
from app.pathway.facts_match import member, words_memoisable
from app.pathway.facts_negation import asserted_at
from app.pathway.facts_visits import VOID_VISIT
from app.pathway.model import Evidence, Finding, Region, State
from app.terminology import Coding

# The units a duration is written in, to the unit it counts in: UCUM (d, wk, mo, a) and words.
_UNITS = {"d": "d", "day": "d", "days": "d",
          "w": "wk", "wk": "wk", "wks": "wk", "week": "wk", "weeks": "wk",
          "mo": "mo", "mos": "mo", "mon": "mo", "mth": "mo", "mths": "mo", "month": "mo", "months": "mo",
          "a": "a", "y": "a", "yr": "a", "yrs": "a", "year": "a", "years": "a"}
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                 "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "several": 2}
_NUMBER = r"(\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several)"
_UNIT = r"(days?|d|weeks?|wks?|w|months?|mos?|mths?|mon|years?|yrs?|y)"
# A number (or a range "6-8", whose larger end counts: the safe side) and its unit.
_AMOUNT = rf"{_NUMBER}\s*(?:(?:-|to)\s*{_NUMBER}\s*)?\+?\s*{_UNIT}\b"
_ANY_AMOUNT = re.compile(rf"\b{_AMOUNT}", re.IGNORECASE)
# In a reason for exam a number of days may be anything ("fall 3 years ago", "s/p fusion 2 yrs"): only the
# shapes that state how long a complaint has lasted count — "x 3 months", "for (the past) 8 weeks",
# "3 months of pain", "(past|last) 2 months", "began 2 months ago".
_STATED_AMOUNT = re.compile(
    rf"(?:(?:\bx|×|\bfor(?:\s+the)?(?:\s+(?:past|last))?|\b(?:past|last|over)|\b(?:since|started|began|"
    rf"begun|onset|beginning)(?:\s+about|\s+around)?|>=?|≥|\b(?:more|greater|longer)\s+than|\bat\s+least)"
    rf"\s*{_AMOUNT}|\b{_AMOUNT}\s+(?:of|h/o|hx|history|duration))",
    re.IGNORECASE)
# Months or years with no number in the same shapes ("for months", "x years", "over the past few months"):
# two of the unit at least, as a plural says.
_UNCOUNTED = re.compile(
    r"(?:\bx|×|\bfor|\b(?:past|last|over))(?:\s+the)?(?:\s+(?:past|last))?\s*"
    r"(?:(?:many|several|some|(?:a\s+)?few)\s+)?(months|years|mos|yrs)\b", re.IGNORECASE)
# "since August", "since late August", "since March 2025": a month, in the year written, else its latest
# occurrence by the day it was stated, from its first day (the safe side). "May" only capitalised.
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_SINCE_MONTH = re.compile(
    r"\bsince\s+(?:(?:early|mid|late|the\s+(?:start|beginning|end)\s+of)[\s-]+)?"
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?(?:,?\s+(\d{4})\b)?", re.IGNORECASE)
# A row whose name says it records how long the symptoms or the pain have lasted.
_DURATION_ROW = re.compile(r"\bduration\b|\bhow\s+long\b|\blength\s+of\b", re.IGNORECASE)
_OF_SYMPTOMS = re.compile(r"symptom|pain|complaint|sciatic|radicul|back|neck|\bleg\b|onset", re.IGNORECASE)
# Words naming the complaint of each region in a visit's reason, so that another complaint's duration is not
# read as the back's ("cough x 3 weeks", "R knee pain for 3 months").
_COMPLAINT = {
    Region.LUMBAR: re.compile(r"\bback\b|\blbp\b|lumbago|sciatic|radicul|lumbar|\blegs?\b|buttock", re.I),
    Region.CERVICAL: re.compile(r"\bneck\b|cervical|radicul|\barms?\b", re.I),
    Region.THORACIC: re.compile(r"\bback\b|thoracic|radicul", re.I),
}
# What "chronic" must be said of, in its own phrase (up to a full stop, a semicolon or a line).
_PAIN = re.compile(r"\b(?:pain|lbp|back|backache|sciatica|radicul\w*|lumbago|neck|spine|spinal)\b", re.I)
_PHRASE_END = re.compile(r"[.;,\n]")
_PAIN_BEFORE = re.compile(rf"{_PAIN.pattern}[\s,:-]*$", re.I)
# Chronic back pain has lasted twelve weeks or more (the definition a clinic's "chronic" answer uses).
_CHRONIC_WEEKS = 12.0
# Words saying a pain has lasted long ("acute on chronic" too: the safe side); "non-chronic" is not.
_CHRONIC = re.compile(r"(?<!non-)(?<!non)\b(?:chronic(?:ally)?|long[- ]?standing)\b", re.IGNORECASE)


def stated_onset(ctx: Context, onset: Onset, episode: tuple[Diagnosis, ...] = ()) -> Onset:
    """``onset``, no longer verified when a duration stated on or after it reaches back to six weeks or
    more before the order while the written onset is under six weeks (``conservative_care_days``), or
    when a diagnosis of the ``episode`` or the order's reason says the pain is chronic."""
    if onset.day is None or not onset.verified:
        return onset
    six_weeks = shift(ctx.order_date, -ctx.policy.conservative_care_days)
    if onset.day <= six_weeks:
        return onset
    stated = next((said for began, said in _beginnings(ctx, onset.day, episode) if began <= six_weeks), None)
    stated = stated or _said_chronic(ctx, episode)
    return onset if stated is None else Onset(onset.day, False, onset.evidence, onset.day, stated)


def _beginnings(ctx: Context, onset: date, episode: tuple[Diagnosis, ...]) -> Iterator[tuple[date, Evidence]]:
    yield from _stated_beginnings(ctx, onset)
    yield from _worded_beginnings(ctx, onset, episode)


def _said_chronic(ctx: Context, episode: tuple[Diagnosis, ...]) -> Evidence | None:
    """A diagnosis of the episode — any coding or the words of its Condition, the coding that made a visit's
    or another record's reason count — or the order's reason, coded or worded as chronic pain, as the
    statement a card names. Chronic back pain has lasted twelve weeks or more, whatever day the problem list
    was given as its onset (Epic writes the day it was added). A chronic pain of no region, or a back pain
    of an earlier episode, says nothing of this episode."""
    ids = {dx.evidence.reference for dx in episode if dx.evidence.reference is not None}
    conditions = [c for c in ctx.chart.conditions if c.reference in ids] if ids else []
    codings: list[Coding] = [dx.evidence.coding for dx in episode if dx.evidence.coding is not None]
    codings.extend(coding for c in conditions for coding in c.codings)
    texts = [c.text for c in conditions if c.text]
    if ctx.order is not None:
        codings.extend(order_reasons(ctx))
        texts.extend(ctx.order.reason_texts)
    texts.extend(coding.display for coding in codings if coding.display)
    coded = member(ctx.vs, "chronic_pain", codings)
    said = coded.display or "chronic" if coded is not None else next((t for t in texts if _chronic(t)), None)
    return None if said is None else Evidence(Finding.SYMPTOM_DURATION, None, None, text=said)


def _chronic(text: str, *, of_pain: bool = True) -> bool:
    """Some mention of chronic pain ``text`` asserts (not "not chronic", ``asserted_at``). With ``of_pain``
    (free words, not a duration row's answer), "chronic" said of the pain, back or nerve root in its own
    phrase ("Chronic left-sided low back pain", "Sciatica, chronic"), never of a treatment or another
    disease ("on chronic opioids", "chronic kidney disease")."""
    text = text[:2000]
    return any(asserted_at(text, m.start(), m.end())
               and (not of_pain or _said_of_pain(text, m.start(), m.end())) for m in _CHRONIC.finditer(text))


def _said_of_pain(text: str, start: int, end: int) -> bool:
    after = _PHRASE_END.split(text[end:end + 60], maxsplit=1)[0]
    return _PAIN.search(after) is not None or _PAIN_BEFORE.search(text[max(0, start - 30):start]) is not None


def _stated_beginnings(ctx: Context, onset: date) -> Iterator[tuple[date, Evidence]]:
    """The day each duration stated during the episode reaches back to, with the statement (a card names
    it): a duration row observed on or after ``onset`` (and not after the order), the order's reasons in
    words (stated on its day), and the first day an "Illness onset date" row observed in the episode may
    mean (LOINC 11368-8)."""
    for o in _duration_rows(ctx):
        on = o.effective
        if on is not None and on.value >= onset and possibly_by(on, ctx.order_date):
            observed = min(on.value, ctx.order_date)
            said = Evidence(Finding.SYMPTOM_DURATION, o.reference, on.value, text=_row_words(o))
            yield from ((_back(observed, amount), said) for amount in _row_amounts(o))
    if ctx.order is not None:
        for text in ctx.order.reason_texts:
            said = Evidence(Finding.SYMPTOM_DURATION, ctx.order.reference, ctx.order_date,
                            state=State.ORDER_REASON, text=text)
            yield from ((day, said) for day in _stated_days(text, ctx.order_date))
    for o, _ in coded_observations(ctx, "symptom_onset_date"):  # the day itself, stated during the episode
        on = o.effective
        if o.value_date is not None and on is not None and on.value >= onset and not observation_void(o) \
                and possibly_by(on, ctx.order_date):
            said = Evidence(Finding.SYMPTOM_DURATION, o.reference, on.value,
                            text=o.value_date.value.isoformat())
            yield o.value_date.value, said


def _row_words(o: ObservationView) -> str | None:
    """The row's answer as the chart wrote it: its words, else its number and unit."""
    if o.value_string is not None:
        return o.value_string
    return f"{o.value:g} {o.unit}" if o.value is not None and o.unit else None


def _worded_beginnings(ctx: Context, onset: date, episode: tuple[Diagnosis, ...]
                       ) -> Iterator[tuple[date, Evidence]]:
    """The day each duration worded for this complaint during the episode reaches back to, with the words:
    a visit's reason ("back pain x 8 weeks", "LBP for 2 months") on or after ``onset`` — any reason of a
    visit that carried the episode's diagnosis, else one naming the region's complaint (``_COMPLAINT``:
    "cough x 3 weeks" is not the back's) — and the episode's own Conditions' words and notes ("radiating
    down L leg x 3 months"), on the note's day (a note written before ``onset`` belongs to an earlier
    episode), else the recordedDate, never before ``onset``."""
    if not episode:
        return
    ids = {dx.evidence.reference for dx in episode}
    complaint = _COMPLAINT.get(episode[0].region)
    for visit in ctx.chart.encounters:
        on = visit.start
        if not visit.reason_texts or visit.status in VOID_VISIT or on is None or on.value < onset \
                or not possibly_by(on, ctx.order_date):
            continue
        texts = visit.reason_texts if visit.reference in ids else \
            [text for text in visit.reason_texts if complaint is not None and complaint.search(text)]
        for text in texts:
            said = Evidence(Finding.SYMPTOM_DURATION, visit.reference, on.value, state=State.VISIT_REASON,
                            text=text)
            yield from ((day, said) for day in _stated_days(text, min(on.value, ctx.order_date)))
    for condition in ctx.chart.conditions:
        if condition.reference not in ids:
            continue
        for note, when in [*((n.texts, n.time) for n in condition.notes), ((condition.text or "",), None)]:
            if when is not None and when.value < onset:  # written in an earlier episode of a re-used problem
                continue
            day = when or condition.recorded
            stated = min(max(day.value if day is not None else ctx.order_date, onset), ctx.order_date)
            for text in note:
                said = Evidence(Finding.SYMPTOM_DURATION, condition.reference, stated, text=text)
                yield from ((began, said) for began in _stated_days(text, stated))


def _duration_rows(ctx: Context) -> Iterator[ObservationView]:
    """Rows coded as a symptom duration, then rows named for one ("Duration of symptoms" under a local
    code); never a void one. The name is read only on rows whose answer may be a duration (a quantity of
    time or words): most rows are vital signs and results, and they are passed over at once."""
    coded = coded_observations(ctx, "symptom_duration")
    ids = {id(o) for o, _ in coded}
    yield from (o for o, _ in coded if not observation_void(o))
    for o in ctx.chart.observations:
        if _time_answer(o) and id(o) not in ids and not observation_void(o) and _named_duration(o):
            yield o


def _time_answer(o: ObservationView) -> bool:
    """An answer that may be a duration: words (typed or picked from a list), or a quantity in a unit of
    time (as written, any case)."""
    return o.value_string is not None or o.value_text is not None \
        or (o.unit in _UNIT_SPELLINGS and o.value is not None)


# The units of ``_UNITS`` as exports write them: lower case, upper case, capitalised ("Days", "WK").
_UNIT_SPELLINGS = frozenset(spelt for unit in _UNITS for spelt in (unit, unit.upper(), unit.capitalize()))


def _named_duration(o: ObservationView) -> bool:
    names = (o.text, *(coding.display for coding in o.codings))
    return _names_duration(names) if words_memoisable(names) else _names_duration.__wrapped__(names)


@lru_cache(maxsize=4096)  # bounded: keys are ordinary-sized words (``words_memoisable``)
def _names_duration(names: tuple[str | None, ...]) -> bool:
    return any(name and _DURATION_ROW.search(name) and _OF_SYMPTOMS.search(name) for name in names)


def _row_amounts(o: ObservationView) -> Iterator[tuple[float, str]]:
    """A row's answer: a quantity in a unit of time (UCUM or a word), else a duration in words, typed or
    picked from a list ("More than 3 months"); "chronic" is twelve weeks or more."""
    unit = _UNITS.get((o.unit or "").strip().casefold())  # only on the few rows named for a duration
    if o.value is not None and unit is not None:
        yield o.value, unit
    for words in (o.value_string, o.value_text):
        if words is not None:
            yield from _amounts(words, stated=False)
            if _chronic(words, of_pain=False):  # the row is the symptoms' duration
                yield _CHRONIC_WEEKS, "wk"


def _stated_days(text: str, day: date) -> Iterator[date]:
    """The day each duration ``text`` states on ``day`` reaches back to: its amounts in the shapes of
    ``_STATED_AMOUNT`` and ``_UNCOUNTED``, and the first day of each month it is "since"."""
    yield from (_back(day, amount) for amount in _amounts(text, stated=True))
    for month, year in _since_months(text):
        began = year if year is not None and 1900 <= year <= day.year else \
            day.year if month <= day.month else day.year - 1
        yield date(began, month, 1)


def _since_months(text: str) -> tuple[tuple[int, int | None], ...]:
    read = _read_months if words_memoisable((text,)) else _read_months.__wrapped__
    return read(text)


@lru_cache(maxsize=4096)  # bounded: keys are ordinary-sized words (``words_memoisable``)
def _read_months(text: str) -> tuple[tuple[int, int | None], ...]:
    found = _SINCE_MONTH.finditer(text[:2000])
    return tuple((_MONTHS.index(m.group(1)[:3].casefold()) + 1, int(m.group(2)) if m.group(2) else None)
                 for m in found if m.group(1) != "may")  # "since she may need …" is no month


def _amounts(text: str, *, stated: bool) -> tuple[tuple[float, str], ...]:
    """Each (number, unit) ``text`` states; with ``stated``, only in the shapes of ``_STATED_AMOUNT``.
    Memoised by the words (``words_memoisable``): the same reason for exam is read on every call."""
    read = _read_amounts if words_memoisable((text,)) else _read_amounts.__wrapped__
    return read(text, stated)


@lru_cache(maxsize=4096)  # bounded: keys are ordinary-sized words (``words_memoisable``)
def _read_amounts(text: str, stated: bool) -> tuple[tuple[float, str], ...]:
    if len(text) > 2000:  # a whole note is not a reason for exam; never read a page of words here
        text = text[:2000]
    found = (_STATED_AMOUNT if stated else _ANY_AMOUNT).findall(text)
    amounts = tuple(amount for groups in found for amount in _amount(tuple(g for g in groups if g)))
    uncounted = tuple((2.0, _UNITS[unit.casefold()]) for unit in _UNCOUNTED.findall(text)) if stated else ()
    return amounts + uncounted


def _amount(groups: tuple[str, ...]) -> Iterator[tuple[float, str]]:
    """(number, unit) from a match's groups: one or two numbers (the larger counts), then the unit."""
    *numbers, unit = groups
    values = [float(_NUMBER_WORDS.get(n.casefold()) or n) for n in numbers if _is_number(n)]
    if values and unit.casefold() in _UNITS:
        yield max(values), _UNITS[unit.casefold()]


def _is_number(text: str) -> bool:
    return text.casefold() in _NUMBER_WORDS or text.replace(".", "", 1).isdigit()


def _back(day: date, amount: tuple[float, str]) -> date:
    """``day`` less ``amount`` (``moved_by``), at most 73,000 units back: a number too long for a float
    ("9" x 400 reads as infinity) must still give a day."""
    value, unit = amount
    return moved_by(day, -min(value, 200.0 * 365), unit)

"""Whole charts whose red flags sit at the edges of time and status: the charts of
tests/integration/test_whole_charts_edges.py.

Each chart is a routine Epic or Oracle Health record (scripts/whole_charts.py ``history``) with a current
sciatica and one finding placed on an edge PATHWAY.md names: a fever 7 or 8 days before the order (§2, 7
days), a CRP 14 or 15 days before (§3, R7), an ESR 30 or 31 days before (R7b) and a later normal value, a
cauda equina sign new in the episode or years old (§3), a red flag resolved within or beyond 30 days or
with no date (§2 "Status of red-flag Conditions"), a cancer in remission or resolved long ago (a history
counts whatever its status), statuses refuted / unconfirmed / provisional, an onset 41 or 42 days before
the order (§2), and moments written in UTC on the evening before a New York or Honolulu order
(docs/pathway-facts.md §1). Each expected answer was decided by hand from PATHWAY.md before the run.
Dates are days before the order, 2026-06-01 (``whole_chart_kit``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from epic_oracle_charts import (
    CRP,
    LUMBAR_MRI,
    RADICULOPATHY,
    SCIATICA,
    Chart,
    c,
    cc,
    kit,
    registry,
    sciatica_now,
)

Resource = dict[str, Any]
ICD10, SNOMED, LOINC = kit.ICD10, kit.SNOMED, kit.LOINC
ESR = registry.ESR
CES = [c(ICD10, "G83.4", "Cauda equina syndrome"), c(SNOMED, "192970008", "Cauda equina syndrome")]
RETENTION = [c(ICD10, "R33.9", "Retention of urine, unspecified"),
             c(SNOMED, "267064002", "Retention of urine")]
FOOT_DROP = [c(ICD10, "M21.372", "Foot drop, left foot"), c(SNOMED, "6077001", "Foot drop")]
BREAST_CANCER = [c(ICD10, "C50.911", "Malignant neoplasm of unspecified site of right female breast"),
                 c(SNOMED, "254837009", "Malignant neoplasm of breast")]
DIABETES = [c(ICD10, "E11.9", "Type 2 diabetes mellitus without complications"),
            c(SNOMED, "44054006", "Diabetes mellitus type 2")]
OSTEOMYELITIS = [c(ICD10, "M46.26", "Osteomyelitis of vertebra, lumbar region"),
                 c(SNOMED, "203264005", "Osteomyelitis of vertebra")]


@dataclass(frozen=True)
class Edge:
    """The hand-decided answer to an order-select of a lumbar MRI authored ``on``."""

    about: str
    rules: tuple[str, ...]
    rating: str | None
    indicator: str | None          # the deciding card's, on topic ``topic`` (None: no such card needed)
    topic: str | None
    absent: tuple[str, ...] = ()
    on: str = kit.ORDER_DATE.isoformat()
    order: Resource | None = None


Builder = Callable[[], tuple[list[Resource], Edge]]
CHARTS: dict[str, Builder] = {}
R1 = ("R1",), "not-appropriate", "warning", "SpineDeferImaging"
RED = ("SpineDeferImaging",)
CRITICAL = "appropriate", "critical", "SpineRedFlag", RED


def chart(*variants: Any) -> Callable[[Callable[..., tuple[list[Resource], Edge]]], None]:
    """Register one builder per variant: ``name[variant]``."""
    def register(builder: Callable[..., tuple[list[Resource], Edge]]) -> None:
        for variant in variants:
            CHARTS[f"{builder.__name__}[{variant}]"] = (lambda v=variant: builder(v))
    return register


def routine(pid: str, export: str = "epic", birth: str = "1986-02-14", gender: str = "female") -> Any:
    return registry.history(Chart(pid, export, birth, gender), years=2)


@chart(6, 7, 8)
def fever_days_before(ago: int) -> tuple[list[Resource], Edge]:
    """40, sciatica 10 days, a fever of 38.6 °C in clinic ``ago`` days before the order, afebrile since.
    §2: a temperature ≥ 38.0 °C within the last 7 days is a fever (R7); 8 days is outside: R1."""
    ch = routine(f"edge-fever-{ago}")
    sciatica_now(ch, 10)
    ch.temperature(ago, 38.6)
    ch.vitals(1, celsius=36.9)
    if ago <= 7:
        return ch.resources, Edge(f"fever {ago} days ago", ("R7",), *CRITICAL)
    return ch.resources, Edge(f"fever {ago} days ago", *R1)


@chart("14-high", "15-high", "14-high-then-normal")
def diabetic_crp(variant: str) -> tuple[list[Resource], Edge]:
    """44, type 2 diabetes (an infection risk factor), sciatica 12 days, a CRP of 28 mg/L. §3: a risk
    factor with a CRP above 10 within 14 days is R7; at 15 days it is outside (R1); a later normal CRP of
    the same test cancels the high one (R1)."""
    ch = routine(f"edge-crp-{variant}")
    ch.problem(DIABETES, onset=1500)
    sciatica_now(ch, 12)
    ch.lab(CRP, int(variant[:2]), 28.0, "mg/L")
    if variant.endswith("normal"):
        ch.lab(CRP, 2, 4.0, "mg/L")
        return ch.resources, Edge("CRP 28 at 14 days, 4 two days ago", *R1)
    if variant.startswith("14"):
        return ch.resources, Edge("CRP 28 at 14 days", ("R7",), *CRITICAL)
    return ch.resources, Edge("CRP 28 at 15 days", *R1)


@chart("30-high", "31-high", "30-high-then-normal")
def unexplained_esr(variant: str) -> tuple[list[Resource], Edge]:
    """40, no risk factor, sciatica 20 days, an ESR of 62 mm/h. §3 R7b: ESR ≥ 50, latest within 30 days,
    imaging appropriate now with an info card; at 31 days it is outside (R1); a later normal ESR cancels."""
    ch = routine(f"edge-esr-{variant}")
    sciatica_now(ch, 20)
    ch.lab(ESR, int(variant[:2]), 62.0, "mm/h")
    if variant.endswith("normal"):
        ch.lab(ESR, 3, 12.0, "mm/h")
        return ch.resources, Edge("ESR 62 at 30 days, 12 three days ago", *R1)
    if variant.startswith("30"):
        return ch.resources, Edge("ESR 62 at 30 days", ("R7b",), "appropriate", None, None, RED)
    return ch.resources, Edge("ESR 62 at 31 days", *R1)


@chart("new", "years-old")
def retention(variant: str) -> tuple[list[Resource], Edge]:
    """45, sciatica 14 days; urinary retention begun 3 days ago (new: cauda equina, R5) or recorded three
    years ago and still active (chronic retention counts only when new, §3: R1)."""
    ch = routine(f"edge-retention-{variant}", gender="male")
    sciatica_now(ch, 14, RADICULOPATHY)
    if variant == "new":
        ch.problem(RETENTION, onset=3)
        return ch.resources, Edge("retention begun 3 days ago", ("R5",), *CRITICAL)
    ch.problem(RETENTION, onset=3 * 365)
    return ch.resources, Edge("retention since three years", *R1)


@chart("yesterday", "30-days", "a-year-ago", "abatement-string", "no-date")
def resolved_ces(variant: str) -> tuple[list[Resource], Edge]:
    """47, sciatica 9 days; a cauda equina syndrome (G83.4) with clinicalStatus resolved. §2: it counts when
    its abatement is within 30 days, or when it has no date at all (R5); resolved a year ago it does not
    (R1). With abatementString "resolved" and no date, the abatement is recorded without a date and counts
    (docs/pathway-facts.md §7 "Resolved red flags"), though the onset is four years old: R5."""
    ch = routine(f"edge-ces-{variant}")
    sciatica_now(ch, 9, RADICULOPATHY)
    ago = {"yesterday": 1, "30-days": 30, "a-year-ago": 365}.get(variant)
    if ago is not None:
        ch.problem(CES, onset=ago + 20, status="resolved", abated=ago)
    else:
        cid = ch.problem(CES, onset=4 * 365 if variant == "abatement-string" else None, status="resolved")
        resource = next(r for r in ch.resources if r["id"] == cid)
        if variant == "abatement-string":
            resource["abatementString"] = "resolved"
        else:
            resource.pop("recordedDate")
    if variant == "a-year-ago":
        return ch.resources, Edge("CES resolved a year ago", *R1)
    return ch.resources, Edge(f"CES resolved ({variant})", ("R5",), "appropriate", "critical", "SpineRedFlag",
                              RED)


@chart("remission", "history-of", "resolved-20-years", "refuted")
def cancer_status(variant: str) -> tuple[list[Resource], Edge]:
    """46, sciatica 15 days; a breast cancer in remission, a "history of" Z85.3, or a C50 resolved twenty
    years ago: a cancer history counts whatever its status (§2): R8 before R1. A refuted one never counts."""
    ch = routine(f"edge-cancer-{variant}")
    sciatica_now(ch, 15)
    if variant == "history-of":
        ch.problem([c(ICD10, "Z85.3", "Personal history of malignant neoplasm of breast"),
                    c(SNOMED, "429087003", "History of malignant neoplasm of breast")], onset=3000)
    elif variant == "remission":
        ch.problem(BREAST_CANCER, onset=1400, status="remission")
    elif variant == "refuted":
        ch.problem(BREAST_CANCER, onset=40, status="inactive", verification="refuted")
        return ch.resources, Edge("a refuted breast cancer", *R1)
    else:
        ch.problem(BREAST_CANCER, onset=22 * 365, status="resolved", abated=20 * 365)
    return ch.resources, Edge(f"breast cancer ({variant})", ("R8",), "appropriate", "warning", "SpineRedFlag",
                              RED)


@chart("unconfirmed", "provisional", "differential", "refuted")
def ces_verification(variant: str) -> tuple[list[Resource], Edge]:
    """50, sciatica 6 days; a cauda equina syndrome recorded today, suspected (unconfirmed, provisional,
    differential: R5, §2) or ruled out (refuted: never counts, R1)."""
    ch = routine(f"edge-ces-ver-{variant}", birth="1976-03-01", gender="male")
    sciatica_now(ch, 6, RADICULOPATHY)
    ch.problem(CES, onset=0, verification=variant)
    if variant == "refuted":
        return ch.resources, Edge("CES refuted", *R1)
    return ch.resources, Edge(f"CES {variant}", ("R5",), *CRITICAL)


@chart("inactive-10-days", "inactive-undated", "abatement-string-old")
def inactive_foot_drop(variant: str) -> tuple[list[Resource], Edge]:
    """42, radiculopathy 18 days; a foot drop marked inactive 10 days ago (within 30: R6), inactive with no
    date at all (R6), or resolved with abatementString "resolved" and an onset two years ago (an abatement
    recorded without a date counts, the safe side: R6)."""
    ch = routine(f"edge-foot-{variant}", birth="1984-05-05", gender="male")
    sciatica_now(ch, 18, RADICULOPATHY)
    if variant == "inactive-10-days":
        ch.problem(FOOT_DROP, onset=17, status="inactive", abated=10)
    else:
        cid = ch.problem(FOOT_DROP, onset=730 if variant.startswith("abatement") else None,
                         status="inactive" if variant == "inactive-undated" else "resolved")
        resource = next(r for r in ch.resources if r["id"] == cid)
        if variant.startswith("abatement"):
            resource["abatementString"] = "resolved"
        else:
            resource.pop("recordedDate")
    return ch.resources, Edge(f"foot drop ({variant})", ("R6",), *CRITICAL)


@chart(41, 42, "42-naproxen")
def six_weeks(variant: Any) -> tuple[list[Resource], Edge]:
    """38, a sciatica whose onset is 41 or 42 days before the order, no red flag. §2: six weeks is D ≥ 42;
    D = 41 is R1. At 42 with no care: R3a (defer, start care); with naproxen since onset: R3b (no rating)."""
    ago = int(str(variant)[:2])
    ch = routine(f"edge-weeks-{variant}", birth="1988-01-09")
    sciatica_now(ch, ago)
    if ago == 41:
        return ch.resources, Edge("sciatica 41 days", *R1)
    if str(variant).endswith("naproxen"):
        ch.medication(ago - 2, registry.NAPROXEN, "naproxen 500 mg tablet twice daily")
        return ch.resources, Edge("sciatica 42 days, naproxen (R3b: unrated)", (), None, "info",
                                  "SpineImagingAppropriate", ("SpineDeferImaging",))
    return ch.resources, Edge("sciatica 42 days, no care", ("R3a",), "not-appropriate", "warning",
                              "SpineDeferImaging")


# Oracle writes its instants in UTC; the site is in New York (UTC-4 in June) or Honolulu (UTC-10).
@chart("honolulu-fever-evening", "new-york-retention-evening", "honolulu-fever-far-end", "new-york-onset-utc")
def utc_instants(variant: str) -> tuple[list[Resource], Edge]:
    """41, Oracle. (a) Honolulu order at 21:00 on 1 June; a fever of 38.7 °C taken at 20:30 local, written
    2026-06-02T06:30Z: not after the order in every zone (§1): R7. (b) New York order at 22:00 on 1 June;
    retention begun 21:15 local, written 2026-06-02T01:15Z: R5. (c) Honolulu, a fever taken on 24 May at
    21:30 local (8 days before), written 2026-05-25T07:30Z: at the window's far end a moment is read by its
    written date (§1), 7 days: R7, the safe side. (d) New York, a sciatica begun 20 April at 22:00 local,
    written 2026-04-21T02:00Z: D is counted in the written offset (§2), 41 days: R1."""
    ch = routine(f"edge-utc-{variant}", export="oracle", birth="1985-07-07", gender="male")
    on = "2026-06-01T21:00:00-10:00" if variant.startswith("honolulu") else "2026-06-01T22:00:00-04:00"
    if variant == "new-york-onset-utc":
        cid = ch.problem(SCIATICA, onset=41)
        next(r for r in ch.resources if r["id"] == cid)["onsetDateTime"] = "2026-04-21T02:00:00.000Z"
        return ch.resources, Edge("sciatica begun 20 April 22:00 EDT, written in UTC", *R1[:3], R1[3], on=on)
    sciatica_now(ch, 11)
    if variant == "new-york-retention-evening":
        cid = ch.problem(RETENTION, onset=0)
        resource = next(r for r in ch.resources if r["id"] == cid)
        resource["onsetDateTime"] = resource["recordedDate"] = "2026-06-02T01:15:00.000Z"
        return ch.resources, Edge("retention the order's evening, UTC", ("R5",), *CRITICAL, on=on)
    fid = ch.temperature(0, 38.7)
    when = "2026-06-02T06:30:00.000Z" if variant.endswith("evening") else "2026-05-25T07:30:00.000Z"
    next(r for r in ch.resources if r["id"] == fid)["effectiveDateTime"] = when
    return ch.resources, Edge(f"fever written {when}", ("R7",), *CRITICAL,
                              on=on)


@chart("abatement-string-5-years")
def resolved_osteomyelitis(variant: str) -> tuple[list[Resource], Edge]:
    """55, sciatica 16 days; a lumbar vertebral osteomyelitis from five years ago, resolved, abatementString
    "resolved" and no date. An abatement recorded without a date counts (the safe side, §7 Keep): R7."""
    ch = routine(f"edge-osteo-{variant}", birth="1971-04-04", gender="male")
    sciatica_now(ch, 16)
    cid = ch.problem(OSTEOMYELITIS, onset=5 * 365, status="resolved")
    next(r for r in ch.resources if r["id"] == cid)["abatementString"] = "resolved"
    return ch.resources, Edge("osteomyelitis resolved, no date", ("R7",), *CRITICAL)




@chart("normal-after-order-utc", "normal-tomorrow")
def crp_normal_after_the_order(variant: str) -> tuple[list[Resource], Edge]:
    """44, diabetes, sciatica 12 days, CRP 28 mg/L 5 days ago (R7). A normal CRP that cancels it must be on
    record by the order (§2: a finding dated after the order date is ignored; cancelling a red flag is
    evidence that supports a conclusion, §1): one drawn at 23:00 in New York after a 22:00 order, written
    2026-06-02T03:00Z, or one dated tomorrow, cancels nothing: R7."""
    ch = routine(f"edge-crp-after-{variant}", export="oracle")
    ch.problem(DIABETES, onset=1500)
    sciatica_now(ch, 12)
    ch.lab(CRP, 5, 28.0, "mg/L")
    nid = ch.lab(CRP, 0, 3.0, "mg/L")
    normal = next(r for r in ch.resources if r["id"] == nid)
    normal["effectiveDateTime"] = ("2026-06-02T03:00:00.000Z" if variant.endswith("utc") else "2026-06-02")
    return ch.resources, Edge(f"CRP 28, a normal one after the order ({variant})", ("R7",), "appropriate",
                              "critical", "SpineRedFlag", RED, on="2026-06-01T22:00:00-04:00")


@chart("100.4F")
def fever_threshold_fahrenheit(variant: str) -> tuple[list[Resource], Edge]:
    """40, sciatica 10 days, Epic flowsheet temperature 100.4 °F (= 38.0 °C) 3 days ago: ≥ 38.0 (§2): R7."""
    ch = routine("edge-fever-100-4")
    sciatica_now(ch, 10)
    fid = ch.temperature(3, 38.0)
    assert next(r for r in ch.resources if r["id"] == fid)["valueQuantity"]["value"] == 100.4
    return ch.resources, Edge("fever 100.4 F", ("R7",), *CRITICAL)


@chart("abatement-boolean", "abatement-period-ending-20-days", "abatement-age-undated")
def abatement_shapes(variant: str) -> tuple[list[Resource], Edge]:
    """47, sciatica 9 days; a cauda equina syndrome begun three years ago, resolved, its abatement written
    as ``abatementBoolean: true`` (recorded, no date: counts, R5), as a period from 60 to 20 days ago (the
    end is within 30 days: R5), or as an ``abatementAge`` of 42 years (about five years ago with this birth
    date). An abatement age is read as an abatement whose date is not recorded (app/fhir/parse_condition.py,
    docs/pathway-facts.md §7 "Resolved red flags"): R5, the safe side; reading the age would give R1."""
    ch = routine(f"edge-abate-{variant}", birth="1979-06-01")
    sciatica_now(ch, 9, RADICULOPATHY)
    cid = ch.problem(CES, onset=3 * 365 if variant != "abatement-period-ending-20-days" else 70,
                     status="resolved")
    resource = next(r for r in ch.resources if r["id"] == cid)
    if variant == "abatement-boolean":
        resource["abatementBoolean"] = True
    elif variant == "abatement-period-ending-20-days":
        resource["abatementPeriod"] = {"start": ch.day(60), "end": ch.day(20)}
    else:
        resource["onsetDateTime"] = ch.day(6 * 365)
        resource["abatementAge"] = {"value": 42, "unit": "a", "system": kit.UCUM, "code": "a"}
        return ch.resources, Edge("CES abated at age 42 (about 5 years ago), read undated", ("R5",),
                                  *CRITICAL)
    return ch.resources, Edge(f"CES resolved ({variant})", ("R5",), "appropriate", "critical", "SpineRedFlag",
                              RED)


@chart("before-episode", "in-episode", "episode-day")
def new_incontinence(variant: str) -> tuple[list[Resource], Edge]:
    """52, radiculopathy 10 days; unspecified urinary incontinence (R32) begun 60 days ago, before the
    episode, is not new (§3): age over 50 alone is a weak flag, R9 (defer); begun 4 days ago, or on the
    episode's first day, it is new: R5."""
    ch = routine(f"edge-incont-{variant}", birth="1974-01-15")
    sciatica_now(ch, 10, RADICULOPATHY)
    ago = {"before-episode": 60, "in-episode": 4, "episode-day": 10}[variant]
    ch.problem([c(ICD10, "R32", "Unspecified urinary incontinence"), c(SNOMED, "165232002",
                                                                       "Urinary incontinence")], onset=ago)
    if ago > 10:
        return ch.resources, Edge("incontinence before the episode", ("R9",), "not-appropriate", "warning",
                                  "SpineDeferImaging")
    return ch.resources, Edge(f"incontinence {variant}", ("R5",), *CRITICAL)


@chart("normal-after-order-utc")
def esr_normal_after_the_order(variant: str) -> tuple[list[Resource], Edge]:
    """40, sciatica 20 days, ESR 62 mm/h 10 days ago (R7b), and a normal ESR drawn after a 21:00 order in
    Honolulu, written 2026-06-02T08:00Z: not on record by the order, it cancels nothing (§1): R7b."""
    ch = routine(f"edge-esr-after-{variant}", export="oracle")
    sciatica_now(ch, 20)
    ch.lab(ESR, 10, 62.0, "mm/h")
    nid = ch.lab(ESR, 0, 9.0, "mm/h")
    next(r for r in ch.resources if r["id"] == nid)["effectiveDateTime"] = "2026-06-02T08:00:00.000Z"
    return ch.resources, Edge("ESR 62, a normal one after the order", ("R7b",), "appropriate", None, None,
                              RED, on="2026-06-01T21:00:00-10:00")


__all__ = ["CHARTS", "LUMBAR_MRI", "Edge", "cc"]

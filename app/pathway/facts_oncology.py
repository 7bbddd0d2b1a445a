"""Malignancy (PATHWAY.md §3, R8) recorded as the care a cancer gets: an oncology visit (an Encounter whose
type or service type is oncology: "HEM ONC OFFICE VISIT", "Radiation Oncology") or a referral to oncology (a
ServiceRequest named "AMB REFERRAL TO ONCOLOGY", or whose performer type is a medical, haematology and
oncology, surgical or gynaecologic oncologist by NUCC taxonomy). PURE.

§3 names coded cancers; a chart from a clinic that records the cancer only in the oncologist's notes shows it
here. The safe side (docs/pathway-facts.md "Tenth pass: malignancy as oncology records show it"): a referral
made for a suspected cancer is read as one, as "r/o malignancy" is; a haematology-oncology visit for a benign
blood disorder is over-read (R8 only makes imaging appropriate, never a defer). Visits and referrals are
read by the names their codings carry and, since the eleventh pass, a visit type typed with no coding
("Oncology Follow Up": ``EncounterView.type_texts``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.chart.dates import FhirDate
from app.pathway.facts_cancer_words import remembered_words
from app.pathway.facts_common import Context, condition_first_date, condition_void, dated, shown_name
from app.pathway.facts_dates import possibly_by
from app.pathway.model import Evidence, Finding
from app.terminology import ICD10CM, NUCC, Coding, canonical_system

__all__ = ["oncology_care", "staged_conditions"]

# NUCC provider taxonomy: medical oncology, haematology and oncology, surgical oncology, gynaecologic
# oncology (codes and names seen together in public NPI taxonomy lists).
_ONCOLOGISTS = frozenset({"207RX0202X", "207RH0003X", "2086X0206X", "207VX0201X"})
_ONCOLOGY = re.compile(
    r"\b(?:oncology|oncologist|oncologic|(?:hem|heme|haem|rad|med|gyn|surg|peds|pediatric)[\s/-]*onc"
    r"|cancer\s+(?:center|centre|institute|clinic|care))\b", re.IGNORECASE)
_NOT_THERE = re.compile(r"\b(?:no|not|declined|refused|cancel+ed)\b", re.IGNORECASE)
_VOID = frozenset({"entered-in-error"})


def oncology_care(ctx: Context) -> Iterator[Evidence]:
    """§3 malignancy (major): an oncology visit or referral by the order date, or booked for any day."""
    for e in ctx.chart.encounters:
        name = _named(e.type_codings, *e.type_texts) or _named(e.service_type_codings)
        if name is not None and e.status not in _VOID and _by_order(ctx, e.start, e.status == "planned"):
            yield _evidence(e.reference, e.start, name)
    draft = ctx.order.reference if ctx.order is not None else None
    for s in ctx.chart.service_requests:
        if (s.reference is not None and s.reference == draft) or s.status in _VOID or s.do_not_perform:
            continue
        name = _named(s.codings, s.text) or _oncologist(s.performer_type_codings)
        if name is not None and _by_order(ctx, s.authored_on or s.occurrence, s.status == "active"):
            yield _evidence(s.reference, s.authored_on or s.occurrence, name)


def _by_order(ctx: Context, on: FhirDate | None, booked: bool) -> bool:
    return booked or possibly_by(on, ctx.order_date)


def _evidence(reference: str | None, on: FhirDate | None, name: str) -> Evidence:
    coding = Coding(NUCC, "207RX0202X", name)  # medical oncology: the member it is shown as
    return Evidence(Finding.ONCOLOGY_CARE, reference, dated(on), coding, name=shown_name(name))


def _named(codings: tuple[Coding, ...], *texts: str | None) -> str | None:
    """The first text, else coding display, that names oncology. A visit's words usually repeat its type's
    display (``EncounterView.type_texts``), which is then not read twice: every call reads every visit."""
    for text in texts:
        if text and _oncology_named(text):
            return text
    for coding in codings:
        shown = coding.display
        if shown and shown not in texts and _oncology_named(shown):
            return shown
    return None


def _oncologist(codings: tuple[Coding, ...]) -> str | None:
    found = next((c for c in codings if canonical_system(c.system) == NUCC and c.code in _ONCOLOGISTS), None)
    return None if found is None else found.display or "oncologist"


@remembered_words
def _oncology_named(text: str) -> bool:
    """A mention not negated in the words just before or after it ("no oncology follow-up", "referral to
    oncology declined")."""
    return any(_NOT_THERE.search(text, max(0, m.start() - 30), m.start()) is None
               and _NOT_THERE.search(text, m.end(), m.end() + 30) is None for m in _ONCOLOGY.finditer(text))


# --- a Condition staged as a cancer is staged (eleventh pass) ----------------------------------------------

# A stage named for a cancer's staging system, or written as a TNM ("pT2 N1 M0"), says a cancer whatever
# the Condition's code or words ("Neoplasm of lung" with a stage summary "Stage IV").
_CANCER_STAGING = re.compile(
    r"\b(?:ajcc|tnm|figo|ann\s+arbor|lugano|durie|r-?iss|binet|breslow|tumou?r|cancer|oncolog\w*|malignan\w*)\b"
    r"|\b[cpyr]{0,2}t(?:[0-4][a-d]?|is|x)\s*,?\s*[cp]?n[0-3x][a-c]?\s*,?\s*[cp]?m[01x]", re.IGNORECASE)
# A stage in Roman numerals ("Stage IIIA", "IV"): a cancer's, unless the Condition's words name one of the
# other diseases staged so (a kidney disease, a pressure ulcer, a heart failure, HIV …).
_ROMAN_STAGE = re.compile(r"^(?:stage\s+)?(?:0|i{1,3}|iv)[a-c]?[12]?\b|\bstage\s+(?:0|i{1,3}|iv)[a-c]?\b",
                          re.IGNORECASE)
_STAGED_OTHERWISE = re.compile(
    r"\b(?:kidney|renal|ckd|nephropath\w*|ulcer\w*|pressure|decubitus|injury|wound|burn|heart|cardiac|nyha"
    r"|hypertensi\w*|hiv|aids|lymph?o?edema|glaucoma|sleep|endometriosis|sarcoid\w*|parkinson\w*|hoehn"
    r"|fibrosis|cirrhosis|liver|copd|gold|emphysema|dementia|alzheimer\w*|pregnan\w*|labou?r|prolapse"
    r"|ha?emorrhoid\w*|lyme|syphilis|arthritis|periodontitis|retinopathy|acne|obesity)\b", re.IGNORECASE)


def staged_conditions(ctx: Context) -> Iterator[Evidence]:
    """§3 malignancy (major): a Condition whose ``stage`` is a cancer's (``_cancer_stage``), not void, begun
    by the order date or undated, at any status (a history is history), shown by its stage's words. The
    safe side: a stage read as a cancer's only makes imaging appropriate (R8 is a warning)."""
    patient = ctx.chart.patient
    for c in ctx.chart.conditions:
        if not c.stage_texts or condition_void(c) or not _cancer_stage(c.stage_texts, c.text, c.codings):
            continue
        first = condition_first_date(c, patient, ctx.order_date)
        if possibly_by(first, ctx.order_date):
            shown = _STAGE_SHOWN._replace(display=", ".join(c.stage_texts))
            yield Evidence(Finding.CANCER_STAGING, c.reference, dated(first), shown,
                           name=shown_name(", ".join(c.stage_texts)))


_STAGE_SHOWN = Coding("http://loinc.org", "21908-9")  # stage group (cancer_staging.json): the member shown


def _cancer_stage(stages: tuple[str, ...], text: str | None, codings: tuple[Coding, ...]) -> bool:
    """A cancer staging system or a TNM named; else a Roman stage on a Condition none of whose words names
    another staged disease and whose ICD-10-CM code, if any, is a neoplasm's (C, D) or a history's (Z)."""
    if any(_CANCER_STAGING.search(stage) for stage in stages):
        return True
    words = (text, *(c.display for c in codings), *stages)
    other = any(w and _STAGED_OTHERWISE.search(w) for w in words) or any(
        canonical_system(c.system) == ICD10CM and c.code[:1].upper() not in "CDZ" for c in codings)
    return not other and any(_ROMAN_STAGE.search(stage) for stage in stages)

"""Prior imaging and prior spine surgery (PATHWAY.md §2, R11/R21, R12; CODES.md recommendations 10, 13).

Both *support* a conclusion — "do not repeat" (R12), "post-surgical, imaging appropriate" (R11/R21) — so
a study counts only when its date is certainly inside its window (``certainly_within``). v2 sources:
prior MRI also from a released DiagnosticReport, the same examination counted once; prior surgery only in
the order's region.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import lru_cache

from app.chart.model import ImagingView, ProcedureView
from app.chart.references import reference_key
from app.pathway.facts_common import (
    NOT_DONE_PROCEDURE,
    Context,
    condition_first_date,
    condition_void,
    dated,
    ordered,
)
from app.pathway.facts_dates import certainly_within, possibly_by, shift
from app.pathway.facts_match import member, memoisable
from app.pathway.model import Evidence, Finding, Modality, Region
from app.terminology import Coding, ValueSets
from app.terminology.imaging_text import imaging_from_text
from app.terminology.service_text import spine_surgery_from_text

# Only a released report says an examination was done and read (CODES.md recommendation 10: not
# "preliminary"). FHIR R4 files "appended" (content added after it was final) under "amended".
_FINAL_REPORT = frozenset({"final", "amended", "corrected", "appended"})
# An ImagingStudy that is void, or only "registered" (R4: it exists, "nothing yet available" — booked or
# under way, not done), is no examination that R12 could tell the clinician not to repeat.
_UNDONE_STUDY = frozenset({"cancelled", "entered-in-error", "registered"})


def prior_mri(ctx: Context, region: Region | None) -> tuple[Evidence, ...]:
    """PATHWAY.md §2/R12: an MRI of the same region within ``prior_imaging_lookback_days`` strictly before
    the order date, from an ImagingStudy or a released DiagnosticReport (final, amended, corrected,
    appended; dated by effective[x]). Region and modality come from a classifiable code, else (an
    ImagingStudy) from DICOM modality ``MR`` with a series body site of the region; ``MR`` alone has no
    region, so it does not count (the ``outside-imaging`` override covers it).
    A whole-spine MRI counts for every region. A report tied to a counted study (same accession,
    basedOn order or imagingStudy) is the same examination and is not counted again."""
    if region is None:
        return ()
    start, end = ctx.days_before(ctx.policy.prior_imaging_lookback_days), shift(ctx.order_date, -1)
    imaging = ctx.chart.imaging
    studies = [(s, e) for s in imaging if s.resource_type == "ImagingStudy" and s.status not in _UNDONE_STUDY
               and (e := _mri_of(ctx, s, region, start, end)) is not None]
    seen = {link for study, _ in studies for link in _links(study)}
    reports = [e for r in imaging if r.resource_type == "DiagnosticReport" and r.status in _FINAL_REPORT
               and seen.isdisjoint(_links(r)) and (e := _mri_of(ctx, r, region, start, end)) is not None]
    return ordered([*(e for _, e in studies), *reports])


def _mri_of(ctx: Context, study: ImagingView, region: Region, start: date, end: date) -> Evidence | None:
    """Each classifiable code is read alone: a study listing a lumbar and a cervical MRI imaged both
    regions, and two codes are never mixed into one (a cervical MRI beside a lumbar radiograph is no
    lumbar MRI)."""
    if not certainly_within(study.started, start, end):
        return None
    codes = [code for c in study.codings if (code := ctx.vs.classify_imaging((c,))) is not None]
    if not codes:
        return _mri_by_name(study, region) or _mri_by_series(ctx, study, region)
    mri = [code for code in codes if code.modality == Modality.MRI.value]
    found = next((code for code in mri if code.region == region.value
                  or member(ctx.vs, "spine_imaging_every_region", (code.coding,)) is not None), None)
    if found is not None:
        return Evidence(Finding.SPINE_IMAGING, study.reference, dated(study.started), found.coding)
    if any(code.region is None for code in mri):
        by_series = _mri_by_series(ctx, study, region, coded_mri=True)
        return by_series or _mri_by_name(study, region, coded_mri=True)
    return None


def _mri_by_name(study: ImagingView, region: Region, coded_mri: bool = False) -> Evidence | None:
    """An ImagingStudy under a local procedure code, or none, named "MRI LUMBAR SPINE WO CONTRAST" in its
    description, its procedureCode's text or a local code's display (Epic, Oracle Health, a PACS): read
    by the words the draft order is read by (``imaging_from_text``), an MRI of the region it names. A
    report only when it is coded "MRI of spine" (``coded_mri``), its name saying where: reports are fetched
    by their codes (app/fhir/templates.py), so one named only in words would be read from a prefetch and
    never from the fallback (invariant 4), while one under a spine imaging code is fetched either way."""
    if study.resource_type != "ImagingStudy" and not coded_mri:
        return None
    names = (name for name in (study.text, *(c.display for c in study.codings)) if name)
    named = imaging_from_text(names)
    if named is None or named[1] is not Modality.MRI or named[0] is not region:
        return None
    return Evidence(Finding.SPINE_IMAGING, study.reference, dated(study.started), text=study.text)


def _mri_by_series(
    ctx: Context, study: ImagingView, region: Region, coded_mri: bool = False
) -> Evidence | None:
    """An ImagingStudy without a classifiable procedure code, as PACS exports often are, or coded only
    "MRI of spine" (``coded_mri``): an MRI (the code, else DICOM modality MR) of the region when a series
    names a spine body site of that region (``spine_body_site``). MR alone, with no body site, still has
    no region and does not count."""
    if study.resource_type != "ImagingStudy" or not (coded_mri or "MR" in study.modalities):
        return None
    site = next((c for c in study.body_site_codings
                 if region.value in _regions(ctx.vs, "spine_body_site", (c,))), None)
    return Evidence(Finding.SPINE_IMAGING, study.reference, dated(study.started), site) if site else None


def _links(study: ImagingView) -> frozenset[str]:
    """What ties a report to its study: the accession (any shared identifier), the order, the study."""
    return frozenset((*(f"id:{i}" for i in study.identifiers),
                      *(f"order:{reference_key(r)}" for r in study.based_on),
                      f"study:{study.reference}", *(f"study:{reference_key(r)}" for r in study.studies)))


def prior_surgery(ctx: Context, region: Region | None = None) -> tuple[Evidence, ...]:
    """PATHWAY.md §2: Z98.1/M96.1 Conditions (any clinical status: a history stays a history) and spine
    surgery Procedures, not dated after the order. *(v2)* Only surgery of ``region`` counts (R11/R21: a
    cervical fusion does not make a new lumbar radiculopathy post-surgical); a Condition or a Procedure
    whose codes (and body site) name no region — Z98.1, M96.1 — counts for every region. A problem-list
    "cervical arthrodesis" (SNOMED CT) names its region as the Procedure does. ``region=None``: all
    surgery."""
    found = []
    for c in ctx.chart.conditions:
        operation = _operation(ctx, c.codings, c.text)
        if operation is None or condition_void(c):
            continue  # most Conditions are no operation: dated only when they are
        first = condition_first_date(c, ctx.chart.patient, ctx.order_date)
        if not possibly_by(first, ctx.order_date):
            continue
        coding, regions = operation
        if region is None or _in_region(regions, region):
            found.append(Evidence(Finding.PRIOR_SPINE_SURGERY, c.reference, dated(first), coding,
                                  text=None if coding is not None else c.text))
    for p, coding, named in _surgeries(ctx):
        regions = _regions(ctx.vs, "spine_body_site", p.body_site_codings) or named
        if region is None or _in_region(regions, region):
            found.append(Evidence(Finding.PRIOR_SPINE_SURGERY, p.reference, dated(p.performed), coding,
                                  text=None if coding is not None else p.text))
    return ordered(found)


def _operation(
    ctx: Context, codings: tuple[Coding, ...], text: str | None
) -> tuple[Coding | None, frozenset[str]] | None:
    """A spine operation by its code (``prior_spine_surgery``) and the region the code names; with no
    member code, by its name ("L4-5 laminectomy", "ACDF C5-6": ``spine_surgery_from_text``), as athenahealth
    surgical histories and text-only problem-list entries record it. None: no spine operation. Memoised
    like ``member``: every Condition and Procedure is read, and a chart's records repeat across calls."""
    if not memoisable(codings, text):
        return _read_operation.__wrapped__(ctx.vs, codings, text)
    return _read_operation(ctx.vs, codings, text)


@lru_cache(maxsize=8192)  # bounded as facts_match's memos are
def _read_operation(
    vs: ValueSets, codings: tuple[Coding, ...], text: str | None
) -> tuple[Coding | None, frozenset[str]] | None:
    coding = vs.match("prior_spine_surgery", codings)
    if coding is not None:
        return coding, _regions(vs, "prior_spine_surgery", codings)
    named = spine_surgery_from_text(name for name in (text, *(c.display for c in codings)) if name)
    return None if named is None else (None, frozenset(r.value for r in named))


def _in_region(regions: frozenset[str], region: Region) -> bool:
    """Every region named counts; none named: the region is unknown, so it counts."""
    return not regions or region.value in regions


def _regions(vs: ValueSets, concept: str, codings: tuple[Coding, ...]) -> frozenset[str]:
    value_set = vs.get(concept)
    found = (value_set.attributes(c).get("region") for c in codings if value_set.contains(c))
    return frozenset(r for r in found if r is not None)


def _surgeries(ctx: Context) -> Iterator[tuple[ProcedureView, Coding | None, frozenset[str]]]:
    """Spine operations done (not dated after the order), with the regions their codes or names say;
    Procedure.bodySite decides over both (CODES.md recommendation 13)."""
    for p in ctx.chart.procedures:
        operation = _operation(ctx, p.codings, p.text)
        done = p.status not in NOT_DONE_PROCEDURE and possibly_by(p.performed, ctx.order_date)
        if operation is not None and done:
            yield p, *operation


def surgery_since(ctx: Context, prior: tuple[Evidence, ...]) -> bool:
    """R12 "no surgery since": a spine surgery Procedure performed after the newest prior MRI. A Z98.1
    Condition's dates say when the status was recorded, not when the operation was, so it is not used."""
    newest = max((e.on for e in prior if e.on is not None), default=None)
    if newest is None:
        return False
    return any(certainly_within(p.performed, shift(newest, 1), ctx.order_date) for p, _, _ in _surgeries(ctx))

"""Realistic charts, red-flag resources and one in-process evaluator for the metamorphic safety-invariant
tests (PATHWAY.md §4, invariants 1-7; docs/pathway-facts.md "Ninth pass: the invariants as properties").

* ``CHARTS``: every whole chart of tests/fixtures/whole_charts/ (Epic, Oracle Health and Synthea exports of
  about eighty resources each) and every hand-made demo patient (demo/patients.py), as resource lists with
  their draft order and order date.
* ``red_flags(...)``: every concept of every red-flag value set of app/terminology/data, several codes each,
  written in every place PATHWAY.md §2 says a finding may be recorded.
* ``prefetch_of``: the prefetch a conforming EHR builds from a chart (each template of
  app/fhir/templates.py emulated: Observations by code or by category, DiagnosticReports by code, the rest
  by patient), so that what the in-process tests see is what the SEKMET fallback would read.
* ``evaluate``: the service's own evaluation of a hook request (``app.hooks.handlers``, as ``spine-cds
  evaluate`` runs it), without HTTP or a FHIR server: a few milliseconds per answer.
"""

from __future__ import annotations

import asyncio
import copy
import json
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from hook_answers import rating, topics

from app.fhir.prefetch import resolve
from app.fhir.templates import FINDING_VALUE_SETS, MEASURED_VALUE_SETS, _observation_codes, _report_codes
from app.hooks.handlers import build_response, data_request_for, evaluate_call, make_call, require_core_data
from app.hooks.runtime import Content, load_content
from app.hooks.schemas import HookRequest
from app.hooks.services import SERVICES
from app.settings import Profile, Settings
from app.terminology import load_value_sets

Resource = dict[str, Any]
ROOT = Path(__file__).resolve().parents[1]
WHOLE_CHARTS = ROOT / "tests" / "fixtures" / "whole_charts"
ICD, SCT, LOINC = "http://hl7.org/fhir/sid/icd-10-cm", "http://snomed.info/sct", "http://loinc.org"
CPT = "http://www.ama-assn.org/go/cpt"
DEFER_OR_REPEAT = frozenset({"SpineDeferImaging", "SpineRepeatImaging"})
SERIOUS = ("ces", "ces_if_new", "motor_deficit", "myelopathy", "spinal_infection", "ivdu",
           "immunosuppression")
# A red flag by itself, or one that needs a second fact (gait + neck symptoms, a risk factor + a marker):
# every concept of FINDING_VALUE_SETS except the scope and modality ones, which are no red flags.
RED_FLAG_VALUE_SETS = tuple(name for name in FINDING_VALUE_SETS
                            if name not in ("high_energy_trauma", "mri_contraindication", "opll"))
_INDICATOR = {"info": 1, "warning": 2, "critical": 3}
_REFERRAL_LEVEL = {"routine": 1, "urgent": 2, "emergency": 3}


# --- charts -----------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Chart:
    """One patient's record as an EHR holds it, and the spine order to rate on ``on``."""

    id: str
    patient: str
    resources: tuple[Resource, ...]
    order: dict[str, str]
    on: date
    tags: frozenset[str] = field(default_factory=frozenset)

    def __repr__(self) -> str:  # a failing property prints the chart's name, not its eighty resources
        return f"Chart({self.id!r}, {len(self.resources)} resources)"

    def with_resources(self, resources: Sequence[Resource]) -> Chart:
        return Chart(self.id, self.patient, tuple(resources), self.order, self.on, self.tags)


def _whole_chart(path: Path) -> Chart:
    document = json.loads(path.read_text())
    resources = tuple(entry["resource"] for entry in document["bundle"]["entry"])
    patient = next(r["id"] for r in resources if r["resourceType"] == "Patient")
    expected = document["expected"]
    serious = (expected["topic"], expected["indicator"]) == ("SpineRedFlag", "critical")
    tags = frozenset({"red-flag"} if serious else set())
    return Chart(path.stem, patient, resources, expected["order"], date.fromisoformat(document["order_date"]),
                 tags)


def _demo_charts(today: date) -> list[Chart]:
    from demo.patients import demo_patients

    charts = []
    for patient in demo_patients(today):
        order = {"system": CPT, "code": patient.order.code, "display": patient.order.display}
        tags = frozenset({"red-flag"} if ("SpineRedFlag", "critical") in patient.expected.cards else set())
        charts.append(Chart(patient.id, patient.id, patient.resources, order, today, tags))
    return charts


DEMO_DAY = date(2026, 6, 1)
CHARTS: tuple[Chart, ...] = (*(_whole_chart(p) for p in sorted(WHOLE_CHARTS.glob("*.json"))),
                             *_demo_charts(DEMO_DAY))


# --- the prefetch a conforming EHR sends ------------------------------------------------------------

_OBSERVATION_CODES = frozenset(_observation_codes().split(","))
_REPORT_CODES = frozenset(_report_codes().split(","))
_FINDING_CATEGORIES = frozenset({"exam", "survey", "social-history"})
_BY_TYPE = {"Condition": "conditions", "Procedure": "procedures", "MedicationRequest": "medications",
            "MedicationStatement": "medicationstatements", "Encounter": "encounters",
            "ImagingStudy": "imaging", "ServiceRequest": "servicerequests"}


def _codes(concept: Any) -> set[str]:
    return {c.get("code") for c in (concept or {}).get("coding", []) if isinstance(c, dict)}


def keys_of(resource: Resource) -> list[str]:
    """The prefetch keys (app/fhir/templates.py) whose search returns ``resource``."""
    kind = resource.get("resourceType")
    if kind == "Patient":
        return ["patient"]
    if kind == "Observation":
        categories = set().union(*(_codes(c) for c in resource.get("category", [])))
        return ((["observations"] if _codes(resource.get("code")) & _OBSERVATION_CODES else [])
                + (["findings"] if categories & _FINDING_CATEGORIES else []))
    if kind == "DiagnosticReport":
        return ["diagnosticreports"] if _codes(resource.get("code")) & _REPORT_CODES else []
    return [_BY_TYPE[kind]] if kind in _BY_TYPE else []


def searchset(resources: Sequence[Resource]) -> Resource:
    return {"resourceType": "Bundle", "type": "searchset", "total": len(resources),
            "entry": [{"fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, json.dumps(r, sort_keys=True))}",
                       "resource": r, "search": {"mode": "match"}} for r in resources]}


def prefetch_of(resources: Sequence[Resource]) -> dict[str, Any]:
    """Every template's search run over ``resources``; the Patient read by id."""
    found: dict[str, list[Resource]] = {key: [] for key in (*_BY_TYPE.values(), "observations", "findings",
                                                           "diagnosticreports")}
    patient: Resource | None = None
    for resource in resources:
        for key in keys_of(resource):
            if key == "patient":
                patient = resource
            else:
                found[key].append(resource)
    return {"patient": patient, **{key: searchset(items) for key, items in found.items()}}


# --- requests and the evaluator ----------------------------------------------------------------------

DRAFT_ID = "draft-imaging-1"


def draft_order(chart: Chart, reason: Sequence[Resource] = (), reference: str | None = None) -> Resource:
    order: Resource = {"resourceType": "ServiceRequest", "id": DRAFT_ID, "status": "draft", "intent": "order",
                       "code": {"coding": [chart.order]}, "authoredOn": chart.on.isoformat(),
                       "subject": {"reference": f"Patient/{chart.patient}"}}
    if reason:
        order["reasonCode"] = list(reason)
    if reference:
        order["reasonReference"] = [{"reference": reference}]
    return order


def order_sign(chart: Chart, prefetch: dict[str, Any] | None = None, order: Resource | None = None
               ) -> dict[str, Any]:
    return {"hook": "order-sign", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/invariants", "patientId": chart.patient,
                        "draftOrders": {"resourceType": "Bundle", "type": "collection",
                                        "entry": [{"resource": order or draft_order(chart)}]}},
            "prefetch": prefetch if prefetch is not None else prefetch_of(chart.resources)}


def patient_view(chart: Chart) -> dict[str, Any]:
    return {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/invariants", "patientId": chart.patient},
            "prefetch": prefetch_of(chart.resources)}


@cache
def _content() -> Content:
    return load_content(Settings(profile=Profile.DEVELOPMENT, auth_required=False))


async def evaluate_async(body: dict[str, Any], today: date) -> dict[str, Any]:
    """``evaluate`` for a caller already on an event loop."""
    request = HookRequest.model_validate(body)
    service = next(s for s in SERVICES.values() if s.hook == request.hook)
    call = make_call(service, request)
    resolved = await resolve(data_request_for(call), None)
    require_core_data(resolved)
    evaluations = evaluate_call(call, resolved.chart, _content(), today)
    response: dict[str, Any] = build_response(evaluations, silent=False).response
    return response


def evaluate(body: dict[str, Any], today: date) -> dict[str, Any]:
    """The service's answer to ``body`` (prefetch only; ``today`` is the site's calendar day)."""
    return asyncio.run(evaluate_async(copy.deepcopy(body), today))


# --- reading an answer --------------------------------------------------------------------------------


def referral_level(answer: dict[str, Any]) -> int:
    """The most urgent spine referral suggested: none 0, routine 1, urgent 2, emergency 3."""
    words = [json.dumps(s).lower() for card in answer["cards"] for s in card.get("suggestions", [])
             if "referral" in json.dumps(s).lower()]
    levels = (level for word, level in _REFERRAL_LEVEL.items() for text in words if word in text)
    return max(levels, default=0)


@dataclass(frozen=True, order=True)
class Safety:
    """How safe an answer is, compared field by field (invariants 2 and 6: never lower on any)."""

    critical: bool
    red_flag_card: bool
    referral: int
    no_defer: bool
    not_not_appropriate: bool

    def at_least(self, other: Safety) -> bool:
        return all(mine >= theirs for mine, theirs in zip(self.fields(), other.fields(), strict=True))

    def fields(self) -> tuple[Any, ...]:
        return (self.critical, self.red_flag_card, self.referral, self.no_defer, self.not_not_appropriate)


def safety(answer: dict[str, Any]) -> Safety:
    shown = topics(answer)
    return Safety(
        critical=("SpineRedFlag", "critical") in shown,
        red_flag_card=any(topic == "SpineRedFlag" for topic, _ in shown),
        referral=referral_level(answer),
        no_defer=not {topic for topic, _ in shown} & DEFER_OR_REPEAT,
        not_not_appropriate=rating(answer) != "not-appropriate",
    )


def invariant_1_and_3_hold(answer: dict[str, Any]) -> str | None:
    """What breaks invariant 1 (a critical red-flag card is never beside a defer, never not-appropriate)
    or 5 (summaries under 140 characters); None when nothing does."""
    shown = topics(answer)
    if ("SpineRedFlag", "critical") in shown:
        if {topic for topic, _ in shown} & DEFER_OR_REPEAT:
            return f"critical beside a defer: {shown}"
        if rating(answer) == "not-appropriate":
            return f"critical rated not-appropriate: {shown}"
    for card in answer["cards"]:
        if len(card["summary"]) >= 140:
            return f"summary of {len(card['summary'])} characters"
        if card["source"]["topic"]["code"] == "SpineDeferImaging" and "not documented" in card["summary"]:
            return f"a defer on an unknown duration: {card['summary']}"
    return None


# --- red-flag resources -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One code of a red-flag value set."""

    value_set: str
    system: str
    code: str
    display: str

    def concept(self) -> Resource:
        return {"coding": [{"system": self.system, "code": self.code, "display": self.display}],
                "text": self.display}


@cache
def findings_by_value_set(per_set: int = 4, seed: int = 7) -> dict[str, tuple[Finding, ...]]:
    """``per_set`` codes of every red-flag value set, ICD-10-CM and SNOMED CT both when it has them."""
    value_sets, rng = load_value_sets(), random.Random(seed)
    chosen: dict[str, tuple[Finding, ...]] = {}
    for name in RED_FLAG_VALUE_SETS:
        value_set = value_sets.get(name)
        members = [Finding(name, m.coding.system, m.coding.code, m.coding.display or m.coding.code)
                   for m in value_set.members]
        members += [Finding(name, ICD, code, r.display or code) for r in value_set.ranges
                    for code in (r.low, r.high)]
        by_system: dict[str, list[Finding]] = {}
        for member in members:
            by_system.setdefault(member.system, []).append(member)
        picked: list[Finding] = []
        while len(picked) < per_set and any(by_system.values()):
            for items in by_system.values():
                if items and len(picked) < per_set:
                    picked.append(items.pop(rng.randrange(len(items))))
        chosen[name] = tuple(picked)
    return chosen


def every_finding() -> Iterator[Finding]:
    for found in findings_by_value_set().values():
        yield from found


PLACES = ("problem-list", "encounter-diagnosis", "health-concern", "observation-code", "symptom-value",
          "screen-yes", "panel-item", "encounter-reason", "procedure-reason", "medication-reason",
          "statement-reason", "referral-reason", "report-conclusion", "order-reason",
          "order-reason-reference")
_CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"


def _category(code: str) -> list[Resource]:
    return [{"coding": [{"system": _CONDITION_CATEGORY, "code": code}]}]


def recorded(finding: Finding, place: str, chart: Chart, *, days_ago: int = 2, n: int = 0
             ) -> tuple[list[Resource], list[Resource], str | None]:
    """``finding`` recorded in ``place`` in ``chart``: (resources to add, reasonCode of the draft order,
    reasonReference of the draft order). Dated ``days_ago`` before the order, active and confirmed."""
    when = (chart.on - timedelta(days=days_ago)).isoformat()
    rid = f"inv-{place}-{finding.code.replace('.', '-')}-{n}".lower()[:64]
    subject = {"reference": f"Patient/{chart.patient}"}
    if place in ("problem-list", "encounter-diagnosis", "health-concern", "order-reason-reference"):
        category = "problem-list-item" if place == "order-reason-reference" else place.replace("problem-list",
                                                                                              "problem-list-item")
        condition = {"resourceType": "Condition", "id": rid, "subject": subject, "code": finding.concept(),
                     "category": _category(category), "onsetDateTime": when, "recordedDate": when,
                     "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                                    "condition-clinical", "code": "active"}]},
                     "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                                        "condition-ver-status", "code": "confirmed"}]}}
        return [condition], [], (f"Condition/{rid}" if place == "order-reason-reference" else None)
    if place == "order-reason":
        return [], [finding.concept()], None
    observation_category = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                         "code": "exam"}]}]
    if place == "observation-code":
        return [{"resourceType": "Observation", "id": rid, "status": "final", "subject": subject,
                 "category": observation_category, "code": finding.concept(), "effectiveDateTime": when,
                 "valueBoolean": True}], [], None
    if place == "screen-yes":  # a screening question answered Yes (LOINC answer LA33-6)
        return [{"resourceType": "Observation", "id": rid, "status": "final", "subject": subject,
                 "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                           "code": "survey"}]}],
                 "code": finding.concept(), "effectiveDateTime": when,
                 "valueCodeableConcept": {"coding": [{"system": LOINC, "code": "LA33-6", "display": "Yes"}]}}
                ], [], None
    if place == "panel-item":  # a flowsheet panel whose item is the finding, ticked
        return [{"resourceType": "Observation", "id": rid, "status": "final", "subject": subject,
                 "category": observation_category, "effectiveDateTime": when,
                 "code": {"text": "Neuro screen"},
                 "component": [{"code": finding.concept(), "valueBoolean": True}]}], [], None
    if place == "symptom-value":
        return [{"resourceType": "Observation", "id": rid, "status": "final", "subject": subject,
                 "code": {"coding": [{"system": LOINC, "code": "75325-1", "display": "Symptom"}]},
                 "effectiveDateTime": when, "valueCodeableConcept": finding.concept()}], [], None
    reason = [finding.concept()]
    if place == "encounter-reason":
        return [{"resourceType": "Encounter", "id": rid, "status": "finished", "subject": subject,
                 "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
                 "period": {"start": when, "end": when}, "reasonCode": reason}], [], None
    if place == "procedure-reason":
        return [{"resourceType": "Procedure", "id": rid, "status": "completed", "subject": subject,
                 "code": {"coding": [{"system": CPT, "code": "99213"}], "text": "Office visit"},
                 "performedDateTime": when, "reasonCode": reason}], [], None
    if place == "medication-reason":
        return [{"resourceType": "MedicationRequest", "id": rid, "status": "active", "intent": "order",
                 "subject": subject, "authoredOn": when, "reasonCode": reason,
                 "medicationCodeableConcept": {"text": "Tramadol 50 mg tablet"}}], [], None
    if place == "statement-reason":
        return [{"resourceType": "MedicationStatement", "id": rid, "status": "active", "subject": subject,
                 "effectiveDateTime": when, "reasonCode": reason,
                 "medicationCodeableConcept": {"text": "Tramadol 50 mg tablet"}}], [], None
    if place == "report-conclusion":  # a radiograph's: an MRI report would also be a prior MRI (R12)
        return [{"resourceType": "DiagnosticReport", "id": rid, "status": "final", "subject": subject,
                 "code": {"coding": [{"system": CPT, "code": "72100"}], "text": "XR lumbar spine 2-3 views"},
                 "effectiveDateTime": when, "conclusionCode": reason}], [], None
    if place == "referral-reason":
        return [{"resourceType": "ServiceRequest", "id": rid, "status": "active", "intent": "order",
                 "subject": subject, "authoredOn": when, "reasonCode": reason,
                 "code": {"coding": [{"system": SCT, "code": "306206005"}],
                          "text": "Referral to service"}}], [], None
    raise ValueError(place)


def with_finding(chart: Chart, finding: Finding, place: str, **how: Any) -> dict[str, Any]:
    """An order-sign request for ``chart`` with ``finding`` recorded in ``place``."""
    added, reason, reference = recorded(finding, place, chart, **how)
    grown = chart.with_resources([*chart.resources, *added])
    return order_sign(grown, order=draft_order(chart, reason, reference))


MEASURED = MEASURED_VALUE_SETS

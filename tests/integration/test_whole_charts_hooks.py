"""Whole Epic-shaped charts through the hooks other than a single order-select: order-sign with several draft
orders at once (a lumbar MRI beside a cervical one, an MRI beside a PT or urology referral, a CT beside an
MRI of the same region), cervical and thoracic orders (myelopathy, cord compression, cervical radiculopathy),
and patient-view on the same charts, whose red-flag card must agree with what the order hooks decide.

Each answer was decided by hand from docs/spec/PATHWAY.md before the chart was run; every call is made by
prefetch and by fallback against SEKMET and must answer the same (invariant 4). Dates are days before the
order; the kit dates charts against 2026-06-01 (scripts/whole_chart_kit.py) and each is moved to today when
loaded, so the orders (authored today) and patient-view (the site's today, UTC) see the same chart day.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from chart_both_ways import BothWays, load_chart, rules
from epic_oracle_charts import (
    CERVICAL_MRI,
    CPT,
    ICD10,
    LUMBAR_MRI,
    NAPROXEN,
    SCIATICA,
    SNOMED,
    Chart,
    c,
    kit,
    registry,
    sciatica_now,
)
from hook_answers import topics
from test_whole_charts import moved

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
Cds = Any
Resource = dict[str, Any]
ORDER_SIGN = "/cds-services/spine-imaging-order-sign"
ORDER_SELECT = "/cds-services/spine-imaging-order-select"
PATIENT_VIEW = "/cds-services/spine-pathway-patient-view"
LUMBAR_CT = registry.LUMBAR_CT
THORACIC_MRI = c(CPT, "72146", "MRI thoracic spine without contrast")
CERVICAL_RADICULOPATHY = [c(ICD10, "M54.12", "Radiculopathy, cervical region"),
                          c(SNOMED, "54404000", "Cervical radiculopathy")]
NECK = registry.NECK
THORACIC_PAIN = [c(ICD10, "M54.6", "Pain in thoracic spine"), c(SNOMED, "426135001", "Thoracic back pain")]
UROLOGY = c(SNOMED, "306135005", "Referral to urology service")
PT_REFERRAL = c(SNOMED, "103696004", "Patient referral to physical therapist")
TODAY = datetime.now(UTC).date()


def draft(number: int, code: Resource, patient: str, reason: Resource | None = None) -> Resource:
    order: Resource = {"resourceType": "ServiceRequest", "id": f"draft-{number}", "status": "draft",
                       "intent": "order", "code": {"coding": [code], "text": code["display"]},
                       "subject": {"reference": f"Patient/{patient}"}, "authoredOn": TODAY.isoformat()}
    if reason is not None:
        order["reasonCode"] = [{"coding": [reason], "text": reason["display"]}]
    return order


async def both_ways(cds: Cds, path: str, patient: str, context: Resource) -> BothWays:
    hook = {ORDER_SIGN: "order-sign", ORDER_SELECT: "order-select", PATIENT_VIEW: "patient-view"}[path]
    body = {"hook": hook,
            "context": {"userId": "Practitioner/whole-chart", "patientId": patient, **context}}
    answers = []
    for extra in ({"prefetch": cds.server.prefetch(patient)}, {"fhirServer": cds.server.base}):
        response = await cds.http.post(path, json={**body, **extra, "hookInstance": str(uuid.uuid4())})
        assert response.status_code == 200, response.text[:1000]
        answers.append(response.json())
    return BothWays(answers[0], answers[1])


def load(cds: Cds, ch: Any) -> str:
    """Load the chart, moved so that its order date is today; the patient's id."""
    return load_chart(cds.server.base, moved(ch.resources, TODAY - kit.ORDER_DATE))


async def sign(cds: Cds, ch: Any, *orders: tuple[Resource, Resource | None]) -> BothWays:
    """Load the chart and sign every order (code, reason) as draft-1, draft-2 … in one order-sign."""
    patient = load(cds, ch)
    entries = [{"resource": draft(n, code, patient, reason)} for n, (code, reason) in enumerate(orders, 1)]
    answers = await both_ways(cds, ORDER_SIGN, patient, {
        "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": entries}})
    assert answers.same, answers.difference()
    return answers


async def view(cds: Cds, ch: Any) -> dict[str, Any]:
    patient = load(cds, ch)
    answers = await both_ways(cds, PATIENT_VIEW, patient, {})
    assert answers.same, answers.difference()
    return answers.prefetch


def rated(answer: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """Each rated draft's id → (PAMA rating, the PATHWAY rules its criteria text names)."""
    found = {}
    for action in answer.get("systemActions", []):
        resource = action["resource"]
        for extension in resource.get("extension", []):
            if extension["url"].endswith("/pama-rating"):
                code = extension["valueCodeableConcept"]["coding"][0]["code"]
                found[resource["id"]] = (code, rules({"systemActions": [action]}))
    return found


def is_rated(ratings: dict[str, tuple[str, list[str]]], draft_id: str, rating: str, rule: str) -> bool:
    """``draft_id`` was rated ``rating`` by a criteria text naming ``rule``."""
    found, named = ratings.get(draft_id, ("none", []))
    return found == rating and rule in named


def person(name: str, birth: str, gender: str, *, neck: bool = False) -> Any:
    return registry.history(Chart(f"hooks-{name}", "epic", birth, gender), years=2, neck=neck)


async def test_lumbar_and_cervical_mri_signed_together_on_a_three_week_sciatica(cds: Cds) -> None:
    """Sciatica for 20 days, no red flag, no neck diagnosis. Lumbar MRI: R1 (D < 42), not-appropriate. The
    cervical MRI is rated as a cervical order (§1 "Region"), but only cervical diagnoses date a cervical
    episode (docs/pathway-facts.md §4): onset unknown, R27 "record onset", rating none — never the lumbar
    order's defer borrowed (invariant 3)."""
    ch = person("two-regions", "1979-04-04", "female")
    sciatica_now(ch, 20)
    got = (await sign(cds, ch, (LUMBAR_MRI, None), (CERVICAL_MRI, None))).prefetch
    ratings = rated(got)
    assert ratings["draft-1"][0] == "not-appropriate" and "R1" in ratings["draft-1"][1], ratings
    assert "draft-2" not in ratings, ratings
    assert ("SpineDataNeeded", "info") in topics(got), topics(got)
    assert sum(card["summary"].startswith("Defer") for card in got["cards"]) == 1, got["cards"]


async def test_urology_referral_for_new_retention_signed_beside_the_lumbar_mri(cds: Cds) -> None:
    """Sciatica for 10 days; the urology referral signed with the MRI gives new urinary retention (R33.9)
    as its reason. New retention within the episode is cauda equina (§3): R5, critical, appropriate — never
    a defer (invariant 1)."""
    ch = person("urology-retention", "1975-02-02", "male")
    sciatica_now(ch, 10)
    got = (await sign(cds, ch, (LUMBAR_MRI, None),
                      (UROLOGY, c(ICD10, "R33.9", "Retention of urine, unspecified")))).prefetch
    assert rated(got)["draft-1"][0] == "appropriate", (rated(got), topics(got))
    assert ("SpineRedFlag", "critical") in topics(got), topics(got)
    assert "SpineDeferImaging" not in {code for code, _ in topics(got)}, topics(got)


async def test_urology_referral_for_stress_incontinence_is_no_cauda_equina(cds: Cds) -> None:
    """The same chart shape with stress incontinence (N39.3) as the referral's reason: never CES alone
    (§3), so the three-week sciatica is deferred (R1)."""
    ch = person("urology-stress", "1975-03-03", "female")
    sciatica_now(ch, 20)
    got = (await sign(cds, ch, (LUMBAR_MRI, None),
                      (UROLOGY, c(ICD10, "N39.3", "Stress incontinence (female) (male)")))).prefetch
    assert rated(got)["draft-1"][0] == "not-appropriate", (rated(got), topics(got))
    assert ("SpineDeferImaging", "warning") in topics(got), topics(got)


async def test_a_pt_referral_signed_with_the_mri_is_not_care_already_given(cds: Cds) -> None:
    """Sciatica for 60 days and nothing tried; the PT referral is signed in the same session as the MRI. A
    draft is not conservative care (§2: a referral counts once 14 days old or with a visit): R3a, defer."""
    ch = person("pt-draft", "1981-06-06", "male")
    sciatica_now(ch, 60)
    got = (await sign(cds, ch, (LUMBAR_MRI, None),
                      (PT_REFERRAL, c(ICD10, "M54.42", "Lumbago with sciatica, left side")))).prefetch
    ratings = rated(got)
    assert set(ratings) == {"draft-1"}, ratings
    assert ratings["draft-1"][0] == "not-appropriate" and "R3a" in ratings["draft-1"][1], ratings


async def test_ct_and_mri_of_the_lumbar_spine_signed_together_early(cds: Cds) -> None:
    """Sciatica for 20 days on naproxen, a lumbar CT and a lumbar MRI signed together: both deferred by R1
    (not-appropriate); the CT also gets the R13 modality card."""
    ch = person("ct-and-mri", "1983-08-08", "female")
    sciatica_now(ch, 20)
    ch.medication(20, NAPROXEN, "naproxen 500 mg tablet twice daily")
    got = (await sign(cds, ch, (LUMBAR_CT, None), (LUMBAR_MRI, None))).prefetch
    ratings = rated(got)
    assert ratings["draft-1"][0] == "not-appropriate" and "R1" in ratings["draft-1"][1], ratings
    assert ratings["draft-2"][0] == "not-appropriate" and "R1" in ratings["draft-2"][1], ratings
    assert ("SpineDeferImaging", "warning") in topics(got), topics(got)


async def test_cauda_equina_given_as_the_lumbar_mri_reason_reaches_the_cervical_mri(cds: Cds) -> None:
    """Sciatica and a cervical radiculopathy, both two weeks old; the lumbar MRI is signed for cauda equina
    (G83.4 as its reason), the cervical MRI beside it with no reason. CES is a red flag of the patient
    (R5, any region): both orders appropriate with a critical card; one emergency referral offered."""
    ch = person("ces-two-regions", "1970-01-01", "male")
    sciatica_now(ch, 14)
    ch.problem(CERVICAL_RADICULOPATHY, onset=14)
    got = (await sign(cds, ch, (LUMBAR_MRI, c(ICD10, "G83.4", "Cauda equina syndrome")),
                      (CERVICAL_MRI, None))).prefetch
    ratings = rated(got)
    assert ratings["draft-1"][0] == "appropriate" and "R5" in ratings["draft-1"][1], ratings
    assert ratings["draft-2"][0] == "appropriate" and "R5" in ratings["draft-2"][1], ratings


async def test_hoffmann_sign_with_neck_pain_cervical_and_lumbar_mri_and_patient_view(cds: Cds) -> None:
    """Cervical radiculopathy for 15 days, neck pain, and an abnormal reflex (R29.2, Hoffmann) with neck
    symptoms: myelopathy (§3). Cervical and lumbar MRI signed together: both R20, critical, appropriate (a
    lumbar order gets R20 too and is told to image the cord). Patient-view on the same chart: the unimaged
    myelopathy card, critical."""
    ch = person("hoffmann", "1962-09-09", "male")
    ch.visit(15, registry.OFFICE, diagnoses=[CERVICAL_RADICULOPATHY, NECK], onset={0: 15, 1: 15})
    ch.problem(CERVICAL_RADICULOPATHY, onset=15)
    ch.problem([c(ICD10, "R29.2", "Abnormal reflex"), c(SNOMED, "366575004", "Hoffmann's sign")], onset=3)
    got = (await sign(cds, ch, (CERVICAL_MRI, None), (LUMBAR_MRI, None))).prefetch
    ratings = rated(got)
    assert ratings["draft-1"][0] == "appropriate" and "R20" in ratings["draft-1"][1], ratings
    assert ratings["draft-2"][0] == "appropriate" and "R20" in ratings["draft-2"][1], ratings
    assert ("SpineRedFlag", "critical") in topics(got), topics(got)
    seen = await view(cds, ch)
    assert ("SpineRedFlag", "critical") in topics(seen), topics(seen)


async def test_thoracic_cord_compression_order_and_patient_view(cds: Cds) -> None:
    """Thoracic back pain for 5 days and a cord compression (G95.20) on the problem list: myelopathy brings
    the thoracic order into scope (§1): R20, critical, appropriate. Patient-view: thoracic spine pain
    qualifies, the myelopathy is unimaged: a critical red-flag card."""
    ch = person("thoracic-cord", "1958-11-11", "female")
    ch.visit(5, registry.OFFICE, diagnoses=[THORACIC_PAIN], onset={0: 5})
    ch.problem([c(ICD10, "G95.20", "Unspecified cord compression"),
                c(SNOMED, "71286001", "Compression of spinal cord")], onset=2)
    got = (await sign(cds, ch, (THORACIC_MRI, None))).prefetch
    assert rated(got).get("draft-1", ("", []))[0] == "appropriate", (rated(got), topics(got))
    assert "R20" in rated(got)["draft-1"][1], rated(got)
    assert ("SpineRedFlag", "critical") in topics(got), topics(got)
    seen = await view(cds, ch)
    assert ("SpineRedFlag", "critical") in topics(seen), topics(seen)


async def test_thoracic_metastasis_order_and_patient_view_do_not_defer(cds: Cds) -> None:
    """Thoracic back pain for 10 days with a bone metastasis (C79.51): major malignancy (R8), thoracic
    order in scope, warning, appropriate. Patient-view on the same chart never shows a defer."""
    ch = person("thoracic-mets", "1960-12-12", "male")
    ch.visit(10, registry.OFFICE, diagnoses=[THORACIC_PAIN], onset={0: 10})
    ch.problem([c(ICD10, "C79.51", "Secondary malignant neoplasm of bone"),
                c(SNOMED, "94222008", "Secondary malignant neoplasm of bone")], onset=120)
    got = (await sign(cds, ch, (THORACIC_MRI, None), (LUMBAR_MRI, None))).prefetch
    ratings = rated(got)
    assert ratings["draft-1"][0] == "appropriate" and "R8" in ratings["draft-1"][1], ratings
    assert ratings["draft-2"][0] == "appropriate" and "R8" in ratings["draft-2"][1], ratings
    seen = await view(cds, ch)
    assert "SpineDeferImaging" not in {code for code, _ in topics(seen)}, topics(seen)


async def test_sciatica_chart_with_progressive_weakness_on_the_sciatica_visit(cds: Cds) -> None:
    """Sciatica for 12 days and foot drop (M21.372) diagnosed at the same visit: R6, critical, appropriate
    for the lumbar MRI and for a cervical MRI signed beside it; patient-view: the motor card, critical."""
    ch = person("foot-drop", "1977-07-07", "male")
    ch.visit(12, registry.OFFICE, diagnoses=[SCIATICA, [c(ICD10, "M21.372", "Foot drop, left foot"),
                                                       c(SNOMED, "6077001", "Foot drop")]],
             onset={0: 12, 1: 4})
    ch.problem(SCIATICA, onset=12)
    got = (await sign(cds, ch, (LUMBAR_MRI, None), (CERVICAL_MRI, None))).prefetch
    ratings = rated(got)
    assert ratings["draft-1"][0] == "appropriate" and "R6" in ratings["draft-1"][1], ratings
    assert ratings["draft-2"][0] == "appropriate" and "R6" in ratings["draft-2"][1], ratings
    seen = await view(cds, ch)
    assert ("SpineRedFlag", "critical") in topics(seen), topics(seen)


async def test_gait_disturbance_with_arm_symptoms_is_myelopathy_at_the_cervical_order(cds: Cds) -> None:
    """Cervical radiculopathy (arm symptoms) for 25 days and a new gait disturbance (R26.89): gait counts
    with neck or arm symptoms (§3): myelopathy, R20, critical, appropriate; patient-view critical too."""
    ch = person("gait-arm", "1957-05-15", "female")
    ch.visit(25, registry.OFFICE, diagnoses=[CERVICAL_RADICULOPATHY], onset={0: 25})
    ch.problem(CERVICAL_RADICULOPATHY, onset=25)
    ch.problem([c(ICD10, "R26.89", "Other abnormalities of gait and mobility"),
                c(SNOMED, "22325002", "Abnormal gait")], onset=6)
    got = (await sign(cds, ch, (CERVICAL_MRI, None))).prefetch
    assert rated(got).get("draft-1", ("none", []))[0] == "appropriate", (rated(got), topics(got))
    assert "R20" in rated(got)["draft-1"][1], rated(got)
    seen = await view(cds, ch)
    assert ("SpineRedFlag", "critical") in topics(seen), topics(seen)


async def test_gait_disturbance_alone_with_thoracic_pain_is_no_thoracic_criterion(cds: Cds) -> None:
    """Thoracic back pain for 8 days and a gait disturbance with no second sign and no neck or arm symptom:
    not myelopathy (§3); a thoracic order without a red flag is no-criteria-apply with no card (§1 v2)."""
    ch = person("gait-thoracic", "1949-03-21", "male")
    ch.visit(8, registry.OFFICE, diagnoses=[THORACIC_PAIN], onset={0: 8})
    ch.problem([c(ICD10, "R26.89", "Other abnormalities of gait and mobility"),
                c(SNOMED, "22325002", "Abnormal gait")], onset=400)
    got = (await sign(cds, ch, (THORACIC_MRI, None))).prefetch
    assert rated(got).get("draft-1", ("none", []))[0] == "no-criteria-apply", (rated(got), topics(got))
    assert all(indicator == "info" for _, indicator in topics(got)), topics(got)


async def test_thoracic_epidural_abscess_thoracic_and_lumbar_orders_and_patient_view(cds: Cds) -> None:
    """Thoracic back pain for 4 days and an epidural abscess (G06.1): infection (§3). Thoracic and lumbar
    MRI signed together: both R7, critical, appropriate; patient-view: the infection card, critical."""
    ch = person("thoracic-abscess", "1966-10-10", "male")
    ch.visit(4, registry.OFFICE, diagnoses=[THORACIC_PAIN], onset={0: 4})
    ch.problem([c(ICD10, "G06.1", "Intraspinal abscess and granuloma"),
                c(SNOMED, "73085003", "Spinal epidural abscess")], onset=1)
    got = (await sign(cds, ch, (THORACIC_MRI, None), (LUMBAR_MRI, None))).prefetch
    ratings = rated(got)
    assert is_rated(ratings, "draft-1", "appropriate", "R7"), ratings
    assert is_rated(ratings, "draft-2", "appropriate", "R7"), ratings
    seen = await view(cds, ch)
    assert ("SpineRedFlag", "critical") in topics(seen), topics(seen)


async def test_urology_referral_for_retention_written_in_words_only(cds: Cds) -> None:
    """Sciatica for 10 days; the urology referral signed beside the MRI gives its reason in words only
    ("Acute urinary retention", no coding), as a clinician types it. New retention is cauda equina (§3):
    R5, never a defer."""
    ch = person("urology-words", "1976-04-14", "male")
    sciatica_now(ch, 10)
    patient = load(cds, ch)
    referral = draft(2, UROLOGY, patient)
    referral["reasonCode"] = [{"text": "Acute urinary retention"}]
    entries = [{"resource": draft(1, LUMBAR_MRI, patient)}, {"resource": referral}]
    answers = await both_ways(cds, ORDER_SIGN, patient, {
        "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": entries}})
    assert answers.same, answers.difference()
    got = answers.prefetch
    assert "SpineDeferImaging" not in {code for code, _ in topics(got)}, topics(got)
    assert rated(got).get("draft-1", ("none", []))[0] == "appropriate", (rated(got), topics(got))


async def test_the_same_lumbar_mri_signed_twice_is_rated_twice_alike(cds: Cds) -> None:
    """Sciatica for 20 days: the lumbar MRI entered twice in one session (two drafts, same code). Each is
    rated R1 not-appropriate; the defer advice is shown once."""
    ch = person("twice", "1980-02-20", "female")
    sciatica_now(ch, 20)
    got = (await sign(cds, ch, (LUMBAR_MRI, None), (LUMBAR_MRI, None))).prefetch
    ratings = rated(got)
    assert ratings.get("draft-1", ("none", []))[0] == "not-appropriate", ratings
    assert ratings.get("draft-2", ("none", []))[0] == "not-appropriate", ratings


async def test_neurosurgery_referral_signed_with_the_mri_after_six_weeks_of_care(cds: Cds) -> None:
    """Sciatica for 60 days on naproxen since day 55: without more, R3b (rating none until attested). The
    neurosurgery referral signed with the MRI is a referral to spine surgery (§2 "candidate"): R2/R23,
    appropriate."""
    ch = person("neurosurgery", "1972-12-01", "male")
    sciatica_now(ch, 60)
    ch.medication(55, NAPROXEN, "naproxen 500 mg tablet twice daily")
    got = (await sign(cds, ch, (LUMBAR_MRI, None),
                      (c(SNOMED, "306252003", "Referral to neurosurgeon"),
                       c(ICD10, "M54.42", "Lumbago with sciatica, left side")))).prefetch
    assert rated(got).get("draft-1", ("none", []))[0] == "appropriate", (rated(got), topics(got))


async def test_abnormal_reflex_as_the_order_reason_meets_neck_pain_on_the_chart(cds: Cds) -> None:
    """Sciatica for 20 days and neck pain on the problem list; the lumbar MRI is signed for an abnormal
    reflex (R29.2). An abnormal reflex with neck symptoms is myelopathy (§3): R20 on the lumbar order,
    critical, appropriate — never the R1 defer."""
    ch = person("reflex-reason", "1961-01-31", "female")
    sciatica_now(ch, 20)
    ch.problem(NECK, onset=30)
    got = (await sign(cds, ch, (LUMBAR_MRI, c(ICD10, "R29.2", "Abnormal reflex")))).prefetch
    assert rated(got).get("draft-1", ("none", []))[0] == "appropriate", (rated(got), topics(got))
    assert "R20" in rated(got)["draft-1"][1], rated(got)


async def test_abnormal_reflex_given_on_the_cervical_sibling_reaches_the_lumbar_mri(cds: Cds) -> None:
    """The same chart; the cervical MRI signed beside the lumbar one carries the abnormal reflex as its
    reason. Myelopathy is the patient's (R20, any region): the lumbar MRI is R20 too, never R1."""
    ch = person("reflex-sibling", "1961-02-28", "female")
    sciatica_now(ch, 20)
    ch.problem(NECK, onset=30)
    got = (await sign(cds, ch, (LUMBAR_MRI, None), (CERVICAL_MRI, c(ICD10, "R29.2", "Abnormal reflex")))
           ).prefetch
    ratings = rated(got)
    assert ratings.get("draft-2", ("none", []))[0] == "appropriate", (ratings, topics(got))
    assert ratings.get("draft-1", ("none", []))[0] == "appropriate", (ratings, topics(got))


async def test_urology_referral_for_unspecified_incontinence_within_the_episode(cds: Cds) -> None:
    """Sciatica for 10 days; the urology referral signed with the MRI is for urinary incontinence,
    unspecified (R32). Incontinence first raised today, inside the episode, is new (§3): R5, never R1."""
    ch = person("urology-r32", "1969-06-16", "female")
    sciatica_now(ch, 10)
    got = (await sign(cds, ch, (LUMBAR_MRI, None),
                      (UROLOGY, c(ICD10, "R32", "Unspecified urinary incontinence")))).prefetch
    assert "SpineDeferImaging" not in {code for code, _ in topics(got)}, topics(got)
    assert rated(got).get("draft-1", ("none", []))[0] == "appropriate", (rated(got), topics(got))


def created(answer: dict[str, Any]) -> list[tuple[str, str]]:
    """(action type, the code of the resource it sends, else the id it names) of every suggestion's
    actions."""
    found = []
    for card in answer["cards"]:
        for suggestion in card.get("suggestions", []):
            for action in suggestion.get("actions", []):
                resource = action.get("resource") or {}
                code = (resource.get("code") or {}).get("coding", [{}])[0].get("code")
                found.append((action["type"], code or action.get("resourceId") or resource.get("id")))
    return found


async def test_ct_beside_an_mri_of_the_same_region_is_not_replaced_by_a_second_mri(cds: Cds) -> None:
    """Sciatica for 70 days, naproxen since day 65, a neurosurgery referral 30 days old (a candidate): the
    lumbar MRI without contrast is R2/R23, appropriate. The lumbar CT signed beside it is R13: MRI without
    contrast is the study of choice — and it is already being signed. One click must not turn the CT into a
    second lumbar MRI (§5 "suggestions that do the right thing in one click"): it removes the CT."""
    ch = person("ct-beside-mri", "1971-03-13", "male")
    sciatica_now(ch, 70)
    ch.medication(65, NAPROXEN, "naproxen 500 mg tablet twice daily")
    ch.referral(30, c(SNOMED, "306252003", "Referral to neurosurgeon"))
    got = (await sign(cds, ch, (LUMBAR_CT, None), (LUMBAR_MRI, None))).prefetch
    ratings = rated(got)
    assert ratings.get("draft-2", ("none", []))[0] == "appropriate", (ratings, topics(got))
    assert ratings.get("draft-1", ("none", []))[0] == "not-appropriate", (ratings, topics(got))
    assert ("update", "72148") not in created(got), created(got)
    assert ("delete", "ServiceRequest/draft-1") in created(got), created(got)


async def test_mri_with_and_without_contrast_beside_the_same_mri_without_is_removed_not_swapped(cds: Cds
                                                                                                ) -> None:
    """The same candidate chart; the lumbar MRI is signed twice, without contrast (72148, R2/R23) and
    without-and-with (72158, R17: without contrast preferred, no tumour, infection, surgery or CES). The
    swap would order 72148 twice: the second draft is offered for removal instead."""
    ch = person("contrast-beside", "1971-04-14", "female")
    sciatica_now(ch, 70)
    ch.medication(65, NAPROXEN, "naproxen 500 mg tablet twice daily")
    ch.referral(30, c(SNOMED, "306252003", "Referral to neurosurgeon"))
    both = c(CPT, "72158", "MRI lumbar spine without contrast, followed by contrast")
    got = (await sign(cds, ch, (LUMBAR_MRI, None), (both, None))).prefetch
    assert ("update", "72148") not in created(got), created(got)
    assert ("delete", "ServiceRequest/draft-2") in created(got), created(got)


async def test_a_cervical_ct_beside_a_lumbar_mri_is_still_replaced_by_a_cervical_mri(cds: Cds) -> None:
    """Sciatica and a cervical radiculopathy, both 70 days, with care: the cervical CT signed beside the
    lumbar MRI repeats no other draft's study, so R13 still offers the one-click cervical MRI."""
    ch = person("ct-other-region", "1971-05-15", "male")
    sciatica_now(ch, 70)
    ch.problem(CERVICAL_RADICULOPATHY, onset=70)
    ch.medication(65, NAPROXEN, "naproxen 500 mg tablet twice daily")
    cervical_ct = c(CPT, "72125", "CT cervical spine without contrast")
    got = (await sign(cds, ch, (cervical_ct, None), (LUMBAR_MRI, None))).prefetch
    assert ("update", "72141") in created(got), created(got)
    assert ("delete", "ServiceRequest/draft-1") not in created(got), created(got)


async def test_a_new_cervical_episode_after_an_mri_of_the_old_one(cds: Cds) -> None:
    """A cervical radiculopathy begun 400 days ago and resolved 300 days ago, imaged (cervical MRI) 330 days
    ago; a new one began 20 days ago, after a gap longer than 180 days (§2 episode). R12 asks for "no new
    episode": this is one, so the cervical MRI is R19 (advise), appropriate — not a "do not repeat"; and
    patient-view's summary does not say "no repeat" either."""
    ch = person("cervical-new-episode", "1964-08-18", "female")
    ch.problem(CERVICAL_RADICULOPATHY, onset=400, status="resolved", abated=300)
    ch.study(330, "MR", CERVICAL_MRI, c(SNOMED, "122494005", "Cervical spine structure"))
    ch.visit(20, registry.OFFICE, diagnoses=[CERVICAL_RADICULOPATHY], onset={0: 20})
    ch.problem(CERVICAL_RADICULOPATHY, onset=20)
    got = (await sign(cds, ch, (CERVICAL_MRI, None))).prefetch
    ratings = rated(got)
    assert ratings.get("draft-1", ("none", []))[0] == "appropriate", (ratings, topics(got))
    assert "SpineRepeatImaging" not in {code for code, _ in topics(got)}, topics(got)
    seen = await view(cds, ch)
    summary = next(card["summary"] for card in seen["cards"] if card["source"]["topic"]["code"]
                   == "SpinePathwaySummary")
    assert "repeat" not in summary.lower(), summary


async def test_cervical_and_thoracic_mri_for_one_myelopathy_offer_one_referral(cds: Cds) -> None:
    """Neck pain for 9 days and cervical spondylosis with myelopathy (M47.12): cervical and thoracic MRI
    signed together are both R20, critical, appropriate; the urgent spine-surgery referral is offered once
    (R24: one referral per response)."""
    ch = person("cord-two-orders", "1955-09-19", "male")
    ch.visit(9, registry.OFFICE, diagnoses=[NECK], onset={0: 9})
    ch.problem([c(ICD10, "M47.12", "Other spondylosis with myelopathy, cervical region"),
                c(SNOMED, "230560006", "Cervical spondylotic myelopathy")], onset=9)
    got = (await sign(cds, ch, (CERVICAL_MRI, None), (THORACIC_MRI, None))).prefetch
    ratings = rated(got)
    assert is_rated(ratings, "draft-1", "appropriate", "R20"), ratings
    assert is_rated(ratings, "draft-2", "appropriate", "R20"), ratings
    assert sum(kind == "create" for kind, _ in created(got)) == 1, created(got)


async def test_weak_flag_only_lumbar_mri_and_radiographs_signed_together_at_day_30(cds: Cds) -> None:
    """A 61-year-old (age over 50: a weak malignancy flag only) with sciatica for 30 days: R9 — the lumbar
    MRI is deferred (not-appropriate), the lumbar radiographs signed beside it are appropriate (D ≥ 28)."""
    ch = person("weak-flag-xr", "1965-01-05", "female")
    sciatica_now(ch, 30)
    radiographs = c(CPT, "72100", "X-ray lumbosacral spine, 2 or 3 views")
    got = (await sign(cds, ch, (LUMBAR_MRI, None), (radiographs, None))).prefetch
    ratings = rated(got)
    assert is_rated(ratings, "draft-1", "not-appropriate", "R9"), ratings
    assert is_rated(ratings, "draft-2", "appropriate", "R9"), ratings


async def test_ct_selected_beside_an_earlier_unsigned_mri_is_not_replaced_by_a_second_mri(cds: Cds) -> None:
    """The candidate chart at order-select: the lumbar MRI without contrast is an earlier unsigned draft of
    the session (in ``draftOrders``, not selected), the lumbar CT is selected. R13's one click must remove
    the CT, not turn it into the MRI already drafted."""
    ch = person("ct-selected", "1971-06-16", "male")
    sciatica_now(ch, 70)
    ch.medication(65, NAPROXEN, "naproxen 500 mg tablet twice daily")
    ch.referral(30, c(SNOMED, "306252003", "Referral to neurosurgeon"))
    patient = load(cds, ch)
    entries = [{"resource": draft(1, LUMBAR_CT, patient)}, {"resource": draft(2, LUMBAR_MRI, patient)}]
    answers = await both_ways(cds, ORDER_SELECT, patient, {
        "selections": ["ServiceRequest/draft-1"],
        "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": entries}})
    assert answers.same, answers.difference()
    got = answers.prefetch
    assert rated(got).get("draft-1", ("none", []))[0] == "not-appropriate", (rated(got), topics(got))
    assert ("update", "72148") not in created(got), created(got)
    assert ("delete", "ServiceRequest/draft-1") in created(got), created(got)

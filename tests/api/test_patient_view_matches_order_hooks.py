"""patient-view's pathway summary answers a chart as the order hooks answer an MRI of its region (PATHWAY.md
§1, §4; docs/pathway-facts.md "Tenth pass: the same chart through every hook").

Every whole chart and demo patient, whole and with each red-flag source's prefetch key missing (no FHIR
server): the summary never dates MRI in the future unless the order hooks advise waiting, and says "now"
whenever they show a red-flag card — R7b, R10 and R11/R21 once gave "MRI reasonable from <onset + 6
weeks>" where the order hooks rated the MRI appropriate now, and a missing observations key gave a date the
order hooks withheld.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from invariant_charts import CHARTS, CPT, ICD, Chart, evaluate, order_sign, patient_view, prefetch_of

MRI = {"lumbar": "72148", "cervical": "72141", "thoracic": "72146"}
RED_FLAG_KEYS = (None, "observations", "findings", "medications", "medicationstatements", "procedures",
                 "encounters", "servicerequests", "diagnosticreports")
_SUMMARY = re.compile(r"^Spine pathway \((\w+)\).*MRI reasonable from (.*)$")


def summary_of(answer: dict[str, Any]) -> tuple[str, str] | None:
    for card in answer["cards"]:
        if card["source"]["topic"]["code"] == "SpinePathwaySummary":
            found = _SUMMARY.match(card["summary"])
            assert found, card["summary"]
            return found.group(1), found.group(2)
    return None


def without(prefetch: dict[str, Any], key: str | None) -> dict[str, Any]:
    return {name: value for name, value in prefetch.items() if name != key}


@pytest.mark.parametrize("chart", CHARTS, ids=repr)
def test_the_summary_dates_mri_as_the_order_hooks_rate_it(chart: Chart) -> None:
    for key in RED_FLAG_KEYS:
        prefetch = without(prefetch_of(chart.resources), key)
        view = patient_view(chart)
        view["prefetch"] = prefetch
        found = summary_of(evaluate(view, chart.on))
        if found is None or found[0] not in MRI:
            continue
        region, when = found
        mri = {"system": CPT, "code": MRI[region], "display": f"MRI {region} spine"}
        order = order_sign(Chart(chart.id, chart.patient, chart.resources, mri, chart.on), prefetch)
        cards = evaluate(order, chart.on)["cards"]
        shown = {(card["source"]["topic"]["code"], card["indicator"]) for card in cards}
        dated = re.fullmatch(r"\d{4}-\d{2}-\d{2}", when)
        if dated and date.fromisoformat(when) > chart.on:
            assert {topic for topic, _ in shown} & {"SpineDeferImaging"}, (key, when, shown)
        if shown & {("SpineRedFlag", "critical"), ("SpineRedFlag", "warning"), ("SpineRedFlag", "info")}:
            assert when.startswith("now"), (key, when, shown)


def _cervical_chart_with(*resources: dict[str, Any]) -> Chart:
    chart = next(chart for chart in CHARTS if chart.id == "demo-cervical-early")
    return chart.with_resources([*chart.resources, *resources])


def test_a_cervical_mri_never_images_a_cauda_equina() -> None:
    """R5 at patient-view: cauda equina signs (G83.4, five days ago) on a cervical episode with a cervical MRI
    taken since were shown imaged — no card at all — though the cauda equina lies in the lumbar canal. The
    card asks for the lumbar spine, as the cord card asks for the cervical spine beside a lumbar episode."""
    base = _cervical_chart_with()
    subject = {"reference": f"Patient/{base.patient}"}
    ces = {"resourceType": "Condition", "id": "ces", "subject": subject,
           "onsetDateTime": (base.on - timedelta(days=5)).isoformat(),
           "code": {"coding": [{"system": ICD, "code": "G83.4", "display": "Cauda equina syndrome"}]}}
    study = {"resourceType": "ImagingStudy", "id": "mri-c", "status": "available", "subject": subject,
             "started": (base.on - timedelta(days=2)).isoformat(),
             "procedureCode": [{"coding": [{"system": CPT, "code": "72141"}]}]}
    answer = evaluate(patient_view(_cervical_chart_with(ces, study)), base.on)
    critical = [card["summary"] for card in answer["cards"] if card["indicator"] == "critical"]
    assert critical == ["Cauda equina signs beside a cervical episode: assess for same-day lumbar MRI and "
                        "emergency spine referral"]


def test_a_radiograph_signed_beside_the_mri_repeats_no_red_flag_card() -> None:
    """R7 for a lumbar MRI and a lumbar radiograph signed together: the MRI's card offers the contrast swap,
    the radiograph's said the same words with nothing to offer — one advice, shown twice. Each order keeps
    its rating (both appropriate)."""
    chart = next(chart for chart in CHARTS if chart.id == "wc-epic-fever-f")
    request = order_sign(chart)
    mri = request["context"]["draftOrders"]["entry"][0]["resource"]
    radiograph = {**mri, "id": "draft-xr", "code": {"coding": [{"system": CPT, "code": "72100"}]}}
    request["context"]["draftOrders"]["entry"].append({"resource": radiograph})
    answer = evaluate(request, chart.on)
    summaries = [card["summary"] for card in answer["cards"]]
    infection = "Possible spinal infection: urgent lumbar MRI without and with contrast; check ESR and CRP"
    assert summaries.count(infection) == 1, summaries
    assert len(answer["systemActions"]) == 2


def test_a_missing_report_search_is_said_and_never_deferred_on() -> None:
    """§2 v2 reads a spine report's coded conclusion as a red flag (an abscess on an outside radiograph
    report), so without the ``diagnosticreports`` key (no FHIR server) "no red flags" is not known: R1's
    defer (rated not-appropriate) stood on it. Now no defer, no rating, and both hooks name what was not
    read; the patient-view summary gives no date."""
    chart = next(chart for chart in CHARTS if chart.id == "demo-lumbar-day20")
    prefetch = without(prefetch_of(chart.resources), "diagnosticreports")
    answer = evaluate(order_sign(chart, prefetch), chart.on)
    shown = [(card["source"]["topic"]["code"], card["indicator"]) for card in answer["cards"]]
    assert shown == [("SpineDataNeeded", "info")]
    assert answer["cards"][0]["summary"] == "Imaging advice incomplete: could not read imaging"
    assert "systemActions" not in answer
    view = patient_view(chart)
    view["prefetch"] = prefetch
    assert summary_of(evaluate(view, chart.on)) == ("lumbar", "unknown (red-flag screen incomplete)")

"""PATHWAY.md §4 safety invariants 1, 2, 3, 4 and 6 as metamorphic properties over realistic charts.

The unit properties (tests/unit/pathway/test_invariants.py) generate ``Facts``; these change *charts*: the
whole Epic, Oracle Health and Synthea exports of tests/fixtures/whole_charts/ and the demo patients, with
red-flag resources drawn from every red-flag value set of app/terminology/data (several codes of every
concept, ICD-10-CM and SNOMED CT) written in every place PATHWAY.md §2 says a finding may be recorded
(``invariant_charts.PLACES``). Each chart goes through the service's own prefetch reader and evaluation
(``invariant_charts.evaluate``), then is changed in a way that must not make the answer less safe:

* invariant 2 — a red-flag resource added (any concept, any place, any recent or old date): the answer is
  never less safe (``invariant_charts.Safety``: a critical card stays, a red-flag card stays, the referral
  is never less urgent, no defer or do-not-repeat card appears, never newly not-appropriate); a serious
  flag recorded in the last two weeks is critical wherever it is recorded (invariant 6, first half);
* invariant 6 — a date or a status removed from a red-flag resource (the chart's own, or one added as
  above in its dated, resolved, provisional, preliminary … shapes): never less safe;
* invariant 4 — the entries of every prefetch Bundle shuffled, or sent twice (two versions of one
  resource): the same answer, byte for byte but for the fresh uuids;
* invariants 1 and 3 on every answer (``invariant_charts.invariant_1_and_3_hold``);
* patient-view: a red flag added, then undated, never makes the chart's own card less safe.

Cases are drawn with fixed seeds (hypothesis, derandomized) so that a failure reproduces; each test
stays in a few seconds. The SEKMET half of invariant 4 (prefetch, pages, fallback) is
tests/integration/test_invariants_both_ways.py; invariant 7 is test_invariants_identity_on_charts.py.
"""

from __future__ import annotations

import copy
import json
import random
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from invariant_charts import (
    CHARTS,
    PLACES,
    RED_FLAG_VALUE_SETS,
    SERIOUS,
    Chart,
    Finding,
    Resource,
    draft_order,
    evaluate,
    findings_by_value_set,
    invariant_1_and_3_hold,
    order_sign,
    patient_view,
    rating,
    recorded,
    safety,
    topics,
    with_finding,
)
from invariant_removals import red_flag_resources, removals, varied

PROPERTY = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
BY_ID = {chart.id: chart for chart in CHARTS}
charts = st.sampled_from(sorted(BY_ID))  # by name: a failing case prints a name, not a chart
findings = st.sampled_from([f for name in RED_FLAG_VALUE_SETS for f in findings_by_value_set()[name]])
places = st.sampled_from(PLACES)
ages = st.sampled_from([0, 1, 2, 6, 13, 29, 45, 200, 1500])


def normalized(answer: dict[str, Any]) -> Any:
    return json.loads(_UUID.sub("<uuid>", json.dumps(answer, sort_keys=True)))


def explain(before: dict[str, Any], after: dict[str, Any]) -> str:
    return f"{topics(before)} {rating(before)} -> {topics(after)} {rating(after)}"


def _baseline(chart: Chart) -> dict[str, Any]:
    return evaluate(order_sign(chart), chart.on)


_BASELINES = {chart.id: _baseline(chart) for chart in CHARTS}


def test_every_chart_answers_within_invariants_1_and_3_as_it_stands() -> None:
    for chart in CHARTS:
        answer = _BASELINES[chart.id]
        assert invariant_1_and_3_hold(answer) is None, (chart.id, invariant_1_and_3_hold(answer))
        if "red-flag" in chart.tags:
            assert safety(answer).critical, (chart.id, topics(answer))


# --- invariant 2: adding a red flag -------------------------------------------------------------------


@pytest.mark.parametrize("value_set", RED_FLAG_VALUE_SETS)
def test_invariant_2_each_code_of_each_red_flag_concept_in_each_place_never_lowers_the_answer(
    value_set: str,
) -> None:
    """Every chosen code of ``value_set`` in every place, each on a chart picked in turn: never less safe;
    a serious flag of the last two days is critical (PATHWAY.md §2 "Where a finding is read", §4 inv. 6)."""
    rng = random.Random(value_set)
    for finding in findings_by_value_set()[value_set]:
        for place in PLACES:
            chart = rng.choice(CHARTS)
            before, after = _BASELINES[chart.id], evaluate(with_finding(chart, finding, place), chart.on)
            case = (chart.id, finding.code, place, explain(before, after))
            assert safety(after).at_least(safety(before)), case
            assert invariant_1_and_3_hold(after) is None, (case, invariant_1_and_3_hold(after))
            if value_set in SERIOUS:
                assert safety(after).critical, case


@PROPERTY
@given(charts, st.lists(st.tuples(findings, places, ages), min_size=1, max_size=3))
def test_invariant_2_red_flags_added_at_any_date_never_lower_the_answer(
    chart_id: str, added: list[tuple[Finding, str, int]]
) -> None:
    chart = BY_ID[chart_id]
    before = _BASELINES[chart.id]
    grown, reasons, reference = list(chart.resources), [], None
    for n, (finding, place, days_ago) in enumerate(added):
        resources, reason, ref = recorded(finding, place, chart, days_ago=days_ago, n=n)
        grown, reasons, reference = [*grown, *resources], [*reasons, *reason], reference or ref
    after = evaluate(order_sign(chart.with_resources(grown), order=draft_order(chart, reasons, reference)),
                     chart.on)
    assert safety(after).at_least(safety(before)), (chart.id, added, explain(before, after))
    assert invariant_1_and_3_hold(after) is None, (chart.id, added, invariant_1_and_3_hold(after))


# --- invariant 6: removing a date or a status ---------------------------------------------------------

_CHART_FLAGS = [(chart.id, index) for chart in CHARTS for index in red_flag_resources(chart)]


def _without(chart: Chart, index: int, changed: Resource) -> Chart:
    resources = list(chart.resources)
    resources[index] = changed
    return chart.with_resources(resources)


def test_the_charts_hold_red_flag_resources_to_take_dates_from() -> None:
    assert len({chart_id for chart_id, _ in _CHART_FLAGS}) >= 30, "most charts carry a red-flag resource"


@PROPERTY
@given(st.sampled_from(_CHART_FLAGS), st.integers(0, 2**16))
def test_invariant_6_a_charts_own_red_flag_resource_without_a_date_or_status_is_never_less_safe(
    chart_flag: tuple[str, int], seed: int
) -> None:
    chart, index = BY_ID[chart_flag[0]], chart_flag[1]
    rng = random.Random(seed)
    before = _BASELINES[chart.id]
    shapes = list(removals(chart.resources[index]))
    for what, changed in rng.sample(shapes, min(4, len(shapes))):
        after = evaluate(order_sign(_without(chart, index, changed)), chart.on)
        case = (chart.id, chart.resources[index]["id"], what, explain(before, after))
        assert safety(after).at_least(safety(before)), case
        assert invariant_1_and_3_hold(after) is None, case


@PROPERTY
@given(charts, findings, places, st.integers(0, 4), st.integers(0, 2**16))
def test_invariant_6_an_added_red_flag_without_a_date_or_status_is_never_less_safe(
    chart_id: str, finding: Finding, place: str, shape: int, seed: int
) -> None:
    """The finding in one of its recorded shapes (active, resolved five days ago, an open period,
    provisional, a preliminary result …), then each date or status taken away."""
    chart = BY_ID[chart_id]
    added, reason, reference = recorded(finding, place, chart)
    order = draft_order(chart, reason, reference)
    if not added:  # the order's own reason: it has no date or status to take away
        return
    resource, rng = varied(added[0], chart.on, shape), random.Random(seed)
    before = evaluate(order_sign(chart.with_resources([*chart.resources, resource]), order=order), chart.on)
    shapes = list(removals(resource))
    for what, changed in rng.sample(shapes, min(4, len(shapes))):
        after = evaluate(order_sign(chart.with_resources([*chart.resources, changed]), order=order), chart.on)
        case = (chart.id, finding.code, place, shape, what, explain(before, after))
        assert safety(after).at_least(safety(before)), case
        assert invariant_1_and_3_hold(after) is None, case


# --- invariant 4: order and duplicates ----------------------------------------------------------------


def _entries(prefetch: dict[str, Any]) -> list[list[Resource]]:
    return [value["entry"] for value in prefetch.values()
            if isinstance(value, dict) and value.get("resourceType") == "Bundle" and value.get("entry")]


def shuffled(prefetch: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    changed = copy.deepcopy(prefetch)
    for entries in _entries(changed):
        rng.shuffle(entries)
    return changed


def sent_twice(prefetch: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Some resources sent twice, as versions 1 and 2 of one record (the same content), in any order."""
    changed = copy.deepcopy(prefetch)
    for entries in _entries(changed):
        for entry in list(entries):
            if rng.random() < 0.4:
                older = copy.deepcopy(entry)
                older["resource"].setdefault("meta", {}).update(versionId="1")
                entry["resource"].setdefault("meta", {}).update(versionId="2")
                entries.insert(rng.randrange(len(entries) + 1), older)
    return changed


@PROPERTY
@given(charts, st.lists(st.tuples(findings, places, ages), max_size=2), st.integers(0, 2**16))
def test_invariant_4_shuffled_or_twice_sent_entries_give_the_same_answer(
    chart_id: str, added: list[tuple[Finding, str, int]], seed: int
) -> None:
    chart = BY_ID[chart_id]
    body, rng = order_sign(chart), random.Random(seed)
    if added:
        finding, place, days_ago = added[0]
        body = with_finding(chart, finding, place, days_ago=days_ago)
    first = normalized(evaluate(body, chart.on))
    for change in (shuffled, sent_twice):
        again = normalized(evaluate({**body, "prefetch": change(body["prefetch"], rng)}, chart.on))
        assert again == first, (chart.id, change.__name__, added)


def test_the_baseline_charts_cover_every_kind_of_answer() -> None:
    """The metamorphic tests start from defers, red flags, repeats, unknown durations and no-criteria."""
    shown = {topic for answer in _BASELINES.values() for topic, _ in topics(answer)}
    ratings = {rating(answer) for answer in _BASELINES.values()}
    assert {"SpineDeferImaging", "SpineRedFlag", "SpineRepeatImaging", "SpineDataNeeded"} <= shown
    assert {"appropriate", "not-appropriate", "no-criteria-apply", None} <= ratings


# --- patient-view: the same two invariants for the chart's own card ------------------------------------

_VIEW_PLACES = [place for place in PLACES if not place.startswith("order-")]


@PROPERTY
@given(charts, findings, st.sampled_from(_VIEW_PLACES), st.integers(0, 4), st.integers(0, 2**16))
def test_patient_view_a_red_flag_added_or_then_undated_never_makes_the_chart_card_less_safe(
    chart_id: str, finding: Finding, place: str, shape: int, seed: int
) -> None:
    chart = BY_ID[chart_id]
    before = evaluate(patient_view(chart), chart.on)
    added, _, _ = recorded(finding, place, chart)
    resource = varied(added[0], chart.on, shape)
    after = evaluate(patient_view(chart.with_resources([*chart.resources, resource])), chart.on)
    assert safety(after).at_least(safety(before)), (chart.id, finding.code, place, explain(before, after))
    shapes = list(removals(resource))
    for what, changed in random.Random(seed).sample(shapes, min(3, len(shapes))):
        undated = evaluate(patient_view(chart.with_resources([*chart.resources, changed])), chart.on)
        assert safety(undated).at_least(safety(after)), (chart.id, finding.code, place, what,
                                                         explain(after, undated))

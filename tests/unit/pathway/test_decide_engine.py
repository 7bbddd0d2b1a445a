"""app.pathway.engine end to end: chart views → facts → decision, with the facts engineer's chart builders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from app.chart.model import ServiceRequestView
from app.pathway.engine import evaluate_order, evaluate_patient
from app.pathway.model import Indicator, Rating, Topic
from app.pathway.policy import Policy
from app.terminology import ValueSets

if TYPE_CHECKING:  # the fixtures' type only; the conftest module is pytest's to import
    from conftest import ChartBuilder

TODAY = date(2026, 3, 1)
Order = Callable[..., ServiceRequestView]


def test_lumbar_mri_day_20_is_deferred(chart: ChartBuilder, order: Order, vs: ValueSets) -> None:
    built = chart.patient("1980-06-15").condition("M54.16", onset="2026-02-09").build()
    decision = evaluate_order(built, order("72148"), TODAY, Policy(), vs)
    assert decision is not None
    assert (decision.rules[0], decision.rating) == ("R1", Rating.NOT_APPROPRIATE)
    assert decision.facts.duration_days == 20


def test_an_order_that_is_not_spine_imaging_is_not_ours(
    chart: ChartBuilder, order: Order, vs: ValueSets
) -> None:
    built = chart.patient("1980-06-15").condition("M54.16", onset="2026-02-09").build()
    assert evaluate_order(built, order("71045"), TODAY, Policy(), vs) is None
    assert evaluate_order(built, order(None), TODAY, Policy(), vs) is None  # the sandbox's first, empty draft


def test_cauda_equina_returns_a_critical_card(chart: ChartBuilder, order: Order, vs: ValueSets) -> None:
    built = chart.patient("1980-06-15").condition("M54.16", onset="2026-02-20").condition("G83.4",
                                                                                          onset="2026-02-28")
    decision = evaluate_order(built.build(), order("72148"), TODAY, Policy(), vs)
    assert decision is not None
    assert decision.advices[0].indicator is Indicator.CRITICAL
    assert decision.rating is Rating.APPROPRIATE


def test_bundle_order_does_not_change_the_decision(chart: ChartBuilder, order: Order, vs: ValueSets) -> None:
    built = (chart.patient("1960-06-15").condition("M54.16", onset="2025-12-01").condition("R63.4",
             onset="2026-01-05").medication("5640", start="2025-12-10").procedure("97110", on="2026-01-03")
             .build())
    flipped = replace(built, conditions=built.conditions[::-1], medications=built.medications[::-1])
    first = evaluate_order(built, order("72148"), TODAY, Policy(), vs)
    second = evaluate_order(flipped, order("72148"), TODAY, Policy(), vs)
    assert first is not None
    assert second is not None
    assert (first.rating, first.rules, first.advices) == (second.rating, second.rules, second.advices)


def test_patient_view_summary_only_with_a_qualifying_diagnosis(chart: ChartBuilder, vs: ValueSets) -> None:
    assert evaluate_patient(chart.patient("1980-06-15").build(), TODAY, Policy(), vs) is None
    built = chart.condition("M54.16", onset="2026-02-09").build()
    decision = evaluate_patient(built, TODAY, Policy(), vs)
    assert decision is not None
    assert [advice.topic for advice in decision.advices] == [Topic.PATHWAY_SUMMARY]
    assert decision.advices[0].values["mri_date"] == date(2026, 3, 23)

"""CONTRACT.md C3-C12, C15, G2/G3 and PATHWAY.md §5 on the cards rendered for every scenario."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest
from render_fixtures import SCENARIOS, context, draft_order

from app.chart.model import ChartCategory
from app.pathway.model import (
    Advice,
    Decision,
    Evidence,
    Finding,
    Indicator,
    RedFlag,
    Region,
    State,
    SuggestionKind,
)
from app.render import CardLibrary, render_cards
from app.render.pama import CONSULT_ID_URL, RATING_SYSTEM, RATING_URL

IDS = [name for name, _ in SCENARIOS]


def rendered(
    library: CardLibrary, decision: Decision, order: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    resource = order if order is not None else (draft_order() if decision.order else None)
    return render_cards(decision, library, context(resource))


def all_cards(library: CardLibrary) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, decision in SCENARIOS:
        for card in rendered(library, decision):
            yield name, card


def actions(card: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for suggestion in card.get("suggestions", []):
        yield from suggestion["actions"]


def test_every_card_content_is_rendered_by_some_scenario(library: CardLibrary) -> None:
    used = {advice.content for _, decision in SCENARIOS for advice in decision.advices}
    assert used == set(library.contents)


def test_c3_uuid_on_every_card_and_suggestion_all_distinct(library: CardLibrary) -> None:
    for _, decision in SCENARIOS:
        cards = rendered(library, decision)
        suggestions = [s for card in cards for s in card.get("suggestions", [])]
        ids = [card["uuid"] for card in cards] + [s["uuid"] for s in suggestions]
        assert all(re.fullmatch(r"[0-9a-f-]{36}", value) for value in ids)
        assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("name", "decision"), SCENARIOS, ids=IDS)
def test_c4_summary_under_140_and_every_placeholder_filled(
    library: CardLibrary, name: str, decision: Decision
) -> None:
    for card in rendered(library, decision):
        assert len(card["summary"]) < 140
        assert not re.search(r"\{\w+\}", card["summary"] + card["detail"])
        assert ":" in card["summary"], "a summary states its reason after a colon (PATHWAY.md invariant 5)"


def test_c6_indicator_is_one_of_the_three(library: CardLibrary) -> None:
    assert {card["indicator"] for _, card in all_cards(library)} == {"info", "warning", "critical"}


def test_c7_source_label_url_and_static_alphanumeric_topic(library: CardLibrary) -> None:
    for _, card in all_cards(library):
        source = card["source"]
        assert source["label"]
        assert source["url"].startswith("https://")
        assert re.fullmatch(r"[A-Za-z0-9]{1,100}", source["topic"]["code"])
        assert source["topic"]["system"]
        assert source["topic"]["display"]


def test_c8_selection_behavior_any_exactly_when_suggestions_exist(library: CardLibrary) -> None:
    for _, card in all_cards(library):
        assert ("selectionBehavior" in card) is ("suggestions" in card)
        if "suggestions" in card:
            assert card["selectionBehavior"] == "any"


def test_c9_c15_override_reasons_are_codings_with_display(library: CardLibrary) -> None:
    codes = set()
    for _, card in all_cards(library):
        for reason in card.get("overrideReasons", []):
            assert set(reason) == {"system", "code", "display"}
            codes.add(reason["code"])
    assert {"candidate", "redflag-undocumented", "outside-imaging", "patient-preference"} <= codes


def test_c10_every_suggestion_has_label_uuid_and_exactly_one_action(library: CardLibrary) -> None:
    for _, card in all_cards(library):
        for suggestion in card.get("suggestions", []):
            assert suggestion["label"]
            assert suggestion["uuid"]
            assert len(suggestion["actions"]) == 1
            assert suggestion.get("isRecommended", True) is True


def test_c11_action_shapes(library: CardLibrary) -> None:
    seen = set()
    for _, card in all_cards(library):
        for action in actions(card):
            seen.add(action["type"])
            assert action["description"]
            if action["type"] == "delete":
                assert action["resourceId"] == "ServiceRequest/draft-1"
                assert "resource" not in action
            else:
                assert action["resource"]["resourceType"] == "ServiceRequest"
            if action["type"] == "update":
                assert action["resource"]["id"] == "draft-1"
    assert seen == {"create", "update", "delete"}


def test_c12_links_are_absolute(library: CardLibrary) -> None:
    for _, card in all_cards(library):
        for link in card.get("links", []):
            assert set(link) == {"label", "url", "type"}
            assert link["type"] == "absolute"
            assert link["url"].startswith("https://")


def _empty_or_null(value: Any, path: str = "") -> Iterator[str]:
    if value is None or value in ("", [], {}):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _empty_or_null(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _empty_or_null(item, f"{path}[{index}]")


def test_g2_g3_no_null_or_empty_anywhere(library: CardLibrary) -> None:
    for name, card in all_cards(library):
        assert list(_empty_or_null(card)) == [], name


def test_outgoing_resources_validate_as_fhir_r4(library: CardLibrary) -> None:
    count = 0
    for _, card in all_cards(library):
        for action in actions(card):
            if "resource" in action:
                ServiceRequest.model_validate(action["resource"])
                count += 1
    assert count > 10


def test_every_update_carries_the_pama_rating(library: CardLibrary) -> None:
    for _, card in all_cards(library):
        for action in (a for a in actions(card) if a["type"] == "update"):
            extensions = {item["url"]: item for item in action["resource"]["extension"]}
            coding = extensions[RATING_URL]["valueCodeableConcept"]["coding"]
            assert coding[0]["system"] == RATING_SYSTEM
            assert extensions[CONSULT_ID_URL]["valueUri"].startswith("urn:uuid:")


def test_create_referrals_carry_subject_reason_priority_and_performer(library: CardLibrary) -> None:
    decision = dict(SCENARIOS)["R5"]
    cards = rendered(library, decision)
    (referral,) = [a["resource"] for card in cards for a in actions(card) if a["type"] == "create"]
    assert referral["subject"] == {"reference": "Patient/patient-1"}
    assert (referral["status"], referral["intent"], referral["priority"]) == ("draft", "order", "stat")
    assert referral["reasonCode"] == draft_order()["reasonCode"]
    assert referral["performerType"]["coding"][0]["code"] == "207XS0117X"


def test_pt_referral_is_snomed_physical_therapy(library: CardLibrary) -> None:
    cards = rendered(library, dict(SCENARIOS)["R1"])
    creates = [a["resource"] for card in cards for a in actions(card) if a["type"] == "create"]
    assert creates[0]["code"]["coding"][0] == {
        "system": "http://snomed.info/sct", "code": "91251008", "display": "Physical therapy procedure"}


def test_delete_is_left_out_when_the_draft_order_has_no_id(library: CardLibrary) -> None:
    cards = rendered(library, dict(SCENARIOS)["R1"], draft_order(order_id=None))
    assert [a["type"] for card in cards for a in actions(card)] == ["create"]


def test_replace_ct_keeps_the_order_code_system_and_rates_the_new_order(library: CardLibrary) -> None:
    order = draft_order("72131")
    order["code"]["coding"].append({"system": "http://loinc.org", "code": "30620-9"})
    cards = rendered(library, dict(SCENARIOS)["R13"], order)
    (update,) = [a for card in cards for a in actions(card)]
    assert [c["code"] for c in update["resource"]["code"]["coding"]] == ["72148", "30679-5"]
    rating = next(e for e in update["resource"]["extension"] if e["url"] == RATING_URL)
    assert rating["valueCodeableConcept"]["coding"][0]["code"] == "appropriate"
    assert update["resource"]["reasonCode"] == order["reasonCode"]


def test_swap_to_without_and_with_falls_back_to_cpt(library: CardLibrary) -> None:
    order = draft_order()
    order["code"] = {"coding": [{"system": "http://snomed.info/sct", "code": "394451000119106"}]}
    cards = rendered(library, dict(SCENARIOS)["R7-swap"], order)
    (update,) = [a for card in cards for a in actions(card) if a["type"] == "update"]
    assert update["resource"]["code"]["coding"] == [{
        "system": "http://www.ama-assn.org/go/cpt", "code": "72158",
        "display": "MRI lumbar spine without and with contrast"}]


@pytest.mark.parametrize("scenario", ["R13", "R16", "R17", "R7-swap"])
def test_an_update_drops_the_order_details_of_the_study_it_replaces(library: CardLibrary,
                                                                   scenario: str) -> None:
    """PATHWAY.md §5 "swap the contrast code; replace a CT with an MRI": an order's ``orderDetail`` ("with
    contrast", "3D reconstructions") details the study being replaced; kept, the one-click MRI without
    contrast still said "with contrast". The reason and body site stay (same patient, same region)."""
    order = draft_order("72131" if scenario == "R13" else "72148")
    order["orderDetail"] = [{"text": "with contrast"}]
    order["bodySite"] = [{"text": "lumbar spine"}]
    cards = rendered(library, dict(SCENARIOS)[scenario], order)
    (update,) = [a["resource"] for card in cards for a in actions(card) if a["type"] == "update"]
    assert "orderDetail" not in update
    assert (update["bodySite"], update["reasonCode"]) == (order["bodySite"], order["reasonCode"])


def test_an_update_without_a_rating_for_the_new_order_is_left_out(library: CardLibrary) -> None:
    decision = dict(SCENARIOS)["R13"]
    unrated = Decision(decision.order, decision.facts, decision.rating, decision.rules, decision.advices,
                       decision.auc_variant, {})
    cards = rendered(library, unrated)
    assert all("suggestions" not in card for card in cards)


def test_detail_states_dated_facts_absences_and_unreadable_data_in_plain_words(library: CardLibrary) -> None:
    detail = rendered(library, dict(SCENARIOS)["R1"])[0]["detail"]
    assert "Symptoms began 2025-06-10: 20 days ago" in detail
    assert "- No red flag on record (cauda equina" in detail
    assert "**2025-07-22**" in detail  # the eligible date
    assert "Condition/" not in detail and "PATHWAY" not in detail and "](https" not in detail
    missing = rendered(library, dict(SCENARIOS)["missing"])[-1]["detail"]
    assert "- Could not read from the EHR: imaging, medications." in missing


def test_data_not_read_is_named_in_the_clinicians_words_not_by_its_code(library: CardLibrary) -> None:
    """Categories whose code is not a word ("other_patient", "birth_date") read as cards/labels.toml says;
    another patient's records were set aside, not left unread (invariant 7), and are said apart."""
    decision = dict(SCENARIOS)["missing"]
    unread = frozenset({ChartCategory.OTHER_PATIENT, ChartCategory.BIRTH_DATE, ChartCategory.ORDERS})
    unreadable = replace(decision, facts=replace(decision.facts, unavailable=unread))
    detail = rendered(library, unreadable)[-1]["detail"]
    assert "- Could not read from the EHR: orders and referrals, the age." in detail
    assert "- Sent by the EHR and not used: records of another patient (set aside)." in detail
    assert "other_patient" not in detail and "birth_date" not in detail


def test_detail_names_care_without_its_category_prefix_and_counts_past_three(library: CardLibrary) -> None:
    decision = dict(SCENARIOS)["R1"]
    on = decision.facts.onset
    many = tuple(Evidence(Finding.CONSERVATIVE_MEDICATION, f"MedicationRequest/m{n}", on, text=f"drug{n}")
                 for n in range(5))
    facts = replace(decision.facts, conservative_care=many)
    detail = rendered(library, replace(decision, facts=facts))[0]["detail"]
    assert "- Treatment since onset: drug0 (" in detail
    assert "drug3" not in detail and "and 2 more." in detail
    assert "conservative-care medication" not in detail


def test_detail_escapes_markdown_in_chart_text(library: CardLibrary) -> None:
    decision = dict(SCENARIOS)["R5"]
    flag = next(iter(decision.facts.red_flags.values()))[0]
    marked = Evidence(Finding.CES, "Condition/a_b", flag.on, name="x_[y]*")
    facts = replace(decision.facts, red_flags={RedFlag.CES: (marked,)})
    detail = rendered(library, replace(decision, facts=facts))[0]["detail"]
    assert r"cauda equina sign — x\_\[y\]\*" in detail


def test_a_lumbar_card_links_only_lumbar_guidelines_and_a_cervical_card_only_cervical(
    library: CardLibrary,
) -> None:
    cervical = library.source.guidelines["acr-cervical"].url
    lumbar = library.source.guidelines["acr-lbp"].url
    ct_cards = rendered(library, dict(SCENARIOS)["R13"])
    lumbar_links = [link["url"] for card in ct_cards for link in card["links"]]
    assert lumbar in lumbar_links and cervical not in lumbar_links
    neck = [link["url"] for card in rendered(library, dict(SCENARIOS)["R19"]) for link in card["links"]]
    assert cervical in neck and lumbar not in neck


def test_the_how_this_was_decided_link_is_the_last_link_of_every_card_once(library: CardLibrary) -> None:
    decision = dict(SCENARIOS)["R1"]
    ctx = replace(context(draft_order()), explain_url="https://cds.example.org/explain/c-1")
    (card,) = render_cards(decision, library, ctx)
    labels = [link["label"] for link in card["links"]]
    assert labels[-1] == "How this was decided" and labels.count("How this was decided") == 1
    assert card["links"][-1]["url"] == "https://cds.example.org/explain/c-1"
    assert len(labels) == len(set(labels))


def test_a_missing_placeholder_value_raises(library: CardLibrary) -> None:
    decision = dict(SCENARIOS)["R1"]
    values = {"region": Region.LUMBAR}
    broken = Advice("R1", decision.advices[0].topic, Indicator.WARNING, "defer_imaging", values)
    with pytest.raises(ValueError, match=r"defer_imaging\.toml summary: no value for"):
        rendered(library, Decision(decision.order, decision.facts, None, (), (broken,)))


def test_a_topic_differing_from_the_card_file_raises(library: CardLibrary) -> None:
    decision = dict(SCENARIOS)["R1"]
    advice = decision.advices[0]
    wrong = Advice(advice.rule, type(advice.topic).MODALITY, advice.indicator, advice.content, advice.values)
    with pytest.raises(ValueError, match="topic"):
        rendered(library, Decision(decision.order, decision.facts, None, (), (wrong,)))


def test_recommended_suggestion_is_marked(library: CardLibrary) -> None:
    (card,) = rendered(library, dict(SCENARIOS)["R13"])
    assert card["suggestions"][0]["isRecommended"] is True
    assert SuggestionKind.REPLACE_WITH_MRI_WITHOUT in library.content("ct_to_mri").recommended


def test_an_unrated_order_disowns_an_earlier_rating_on_its_first_card_only(library: CardLibrary) -> None:
    """Argonaut PAMA: no update for an undetermined order, so the words must retire a stale rating."""
    unrated = rendered(library, dict(SCENARIOS)["R27"])
    assert dict(SCENARIOS)["R27"].rating is None
    assert unrated[0]["detail"].endswith("a rating shown for it earlier no longer applies.")
    assert all("no longer applies" not in card["detail"] for card in unrated[1:])
    rated = rendered(library, dict(SCENARIOS)["R1"])
    assert all("no longer applies" not in card["detail"] for card in rated)


def test_a_diagnosis_and_the_same_one_as_order_reason_are_one_bullet_item(library: CardLibrary) -> None:
    decision = dict(SCENARIOS)["R27"]
    on = decision.facts.order_date
    both = (Evidence(Finding.RADICULOPATHY_LUMBAR, "Condition/c1", on),
            Evidence(Finding.RADICULOPATHY_LUMBAR, "ServiceRequest/draft-1", on, state=State.ORDER_REASON))
    detail = rendered(library, replace(decision, facts=replace(decision.facts, qualifying=both)))[0]["detail"]
    assert f"- Diagnosis: lumbar radiculopathy ({on.isoformat()})." in detail

"""The prefetch templates fetch every Observation the pathway may read as a red flag (PATHWAY.md §2 v2
"Where a finding is read"; docs/fhir-access.md "Why each search is filtered as it is")."""

from __future__ import annotations

from urllib.parse import parse_qs

from app.fhir.templates import FINDING_VALUE_SETS, PREFETCH_TEMPLATES
from app.pathway.facts_flags import TRIGGERS
from app.pathway.facts_modality import MODALITY_FINDINGS
from app.terminology import SNOMED, load_value_sets


def searched_codes(key: str) -> set[str]:
    query = parse_qs(PREFETCH_TEMPLATES[key].partition("?")[2])
    return set(query["code"][0].split(","))


def test_finding_value_sets_are_every_concept_the_pathway_reads_from_observations() -> None:
    """facts_findings.findings() reads each trigger concept (and facts_markers the infection risk factors,
    facts_modality a contraindication to MRI and OPLL) from an Observation's code in any category: the
    template must name the same concepts."""
    read = {concept for concept, _, _ in TRIGGERS} | {"infection_risk_factor", *MODALITY_FINDINGS}

    assert set(FINDING_VALUE_SETS) == read


def test_observations_search_names_every_snomed_red_flag_finding_so_no_category_is_needed() -> None:
    sets = load_value_sets()
    snomed = {m.coding.code for name in FINDING_VALUE_SETS for m in sets.get(name).members
              if m.coding.system == SNOMED and m.attributes.get("search") is None}

    codes = searched_codes("observations")

    assert {"267064002", "449813001", "6077001", "312444006", "254837009", "86406008"} <= snomed
    assert snomed <= codes
    assert "75325-1" in codes and "8310-5" in codes


def test_observations_search_names_loinc_codes_bare_so_an_oid_coded_lab_is_fetched() -> None:
    """PATHWAY.md §2 reads a LOINC code however the export spells its system (docs/pathway-facts.md "How an
    export spells a code"); a search for ``http://loinc.org|4537-7`` did not return an ESR or a temperature
    coded under LOINC's OID (urn:oid:2.16.840.1.113883.6.1, as a Millennium chart sent it), so an infection
    risk factor with a raised ESR, or a fever, was deferred (R1/R9) by prefetch and by fallback alike
    (tests/fixtures/whole_charts/wc-oracle-esr.json, wc-oracle-fever.json). Bare codes match any system."""
    codes = searched_codes("observations")

    assert {"8310-5", "4537-7", "30341-2", "1988-5", "30522-7"} <= codes
    assert not any("|" in code for code in codes)


def test_observations_search_leaves_out_icd_codes_and_stays_short() -> None:
    """ICD-10-CM headers (M21.37) and ranges (C00-C96) cannot be token-searched; Epic-class servers cap
    a URL at a few KB. The SNOMED CT cancers and the core-temperature LOINC codes (docs/pathway-facts.md)
    brought the observations search to about 2.3 KB, the ninth passes' DXA T-scores, fall and temperature
    codes and SNOMED CT lymphomas, leukaemias, metastases and paraplegias to about 3.0 KB: over the 2,048
    bytes of query string a default IIS takes. The fallback sends it inside a batch Bundle's body when the
    server takes a batch (no URL limit), else as GETs in parts under ``fhir_max_query_chars``
    (app.fhir.search_split); an EHR running the template itself for prefetch runs it on its own server."""
    codes = searched_codes("observations")

    assert "G83.4" not in codes and "M21.37" not in codes
    assert len(PREFETCH_TEMPLATES["observations"]) < 3_500
    assert all(len(template) < 6_000 for template in PREFETCH_TEMPLATES.values())


def test_observations_search_names_the_blood_cultures_a_positive_one_is_read_from() -> None:
    """A positive blood culture is recent bacteraemia (PATHWAY.md §3 v2, R7; facts_markers): a laboratory
    result, outside the ``findings`` categories, so the fallback must search it by code as prefetch does."""
    assert {"600-7", "17928-3", "17934-1"} <= searched_codes("observations")


def test_observations_search_leaves_out_the_diagnoses_charted_as_conditions_but_names_their_root() -> None:
    """The eCQM osteoporosis kinds (postmenopausal, senile, drug-induced …, ``search: condition`` in
    osteoporosis.json) are diagnoses a chart holds as Conditions, fetched unfiltered; naming seventy of them
    in the Observation search would break its URL budget. Osteoporosis itself (64859006) is still named."""
    codes = searched_codes("observations")
    marked = {m.coding.code for m in load_value_sets().get("osteoporosis").members
              if m.attributes.get("search") == "condition"}

    assert "102447009" in marked
    assert marked & codes == {"739301006"}  # due to myeloma: searched as a cancer (cancer_active)
    assert "64859006" in codes


def test_observations_search_names_the_dxa_t_scores_a_fracture_risk_is_read_from() -> None:
    """A DXA T-score of -2.5 or lower is osteoporosis (PATHWAY.md §3 fracture risk, R10; facts_fracture):
    an imaging result outside the ``findings`` categories, so prefetch and fallback name it by code."""
    assert {"38267-1", "38263-0", "80946-7", "80948-3", "38265-5"} <= searched_codes("observations")
    assert "80944-2" not in searched_codes("observations")  # read when sent; the URL has no room for it

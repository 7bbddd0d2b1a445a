"""Chart builders for the pathway tests: views built directly, no HTTP and no FHIR JSON.

Dates are written as FHIR strings and go through ``parse_fhir_date``, exactly as the views parse them, so a
test can say ``onset="2026-01-31T23:30:00-05:00"`` or ``onset="2026-01"`` and mean what FHIR means.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import pytest

from app.chart.dates import FhirDate, parse_fhir_date
from app.chart.model import (
    Chart,
    ConditionView,
    EncounterView,
    ImagingView,
    MedicationView,
    ObservationView,
    PatientView,
    ProcedureView,
    ServiceRequestView,
)
from app.pathway.facts import classify_order, extract_facts
from app.pathway.model import Facts
from app.pathway.policy import Policy
from app.terminology import CPT, ICD10CM, LOINC, NUCC, RXNORM, SNOMED, Coding, ValueSets, load_value_sets
from app.terminology.valuesets import SERVICE_TYPE


def when(text: str | None) -> FhirDate | None:
    if text is None:
        return None
    parsed = parse_fhir_date(text)
    assert parsed is not None, text
    return parsed


def codings(code: str | None, system: str) -> tuple[Coding, ...]:
    return (Coding(system, code),) if code is not None else ()


class ChartBuilder:
    """A fluent builder: ``chart.patient("1980-06-15").condition("M54.16", onset="2026-01-10").build()``.
    Ids are ``c1``, ``o1``, ``p1``, ``m1``, ``i1``, ``s1`` … in the order resources are added."""

    def __init__(self) -> None:
        self._patient: PatientView | None = None
        self._conditions: list[ConditionView] = []
        self._observations: list[ObservationView] = []
        self._procedures: list[ProcedureView] = []
        self._medications: list[MedicationView] = []
        self._imaging: list[ImagingView] = []
        self._requests: list[ServiceRequestView] = []
        self._encounters: list[EncounterView] = []
        self.skipped = 0
        self.unavailable: frozenset[str] = frozenset()

    def patient(self, birth: str | None = None, pid: str = "pat1", gender: str | None = None) -> ChartBuilder:
        self._patient = PatientView(pid, when(birth), gender)
        return self

    def condition(
        self,
        code: str,
        system: str = ICD10CM,
        *,
        onset: str | None = None,
        recorded: str | None = None,
        abatement: str | None = None,
        clinical: str | None = "active",
        verification: str | None = "confirmed",
        onset_age_years: float | None = None,
        onset_age_unit: str = "a",
        onset_string: str | None = None,
        extra: Sequence[Coding] = (),
        category: str = "problem-list-item",
        abated: bool | None = None,  # an abatement recorded without a date (abatementString): True
    ) -> ChartBuilder:
        self._conditions.append(
            ConditionView(
                id=f"c{len(self._conditions) + 1}",
                codings=(Coding(system, code), *extra),
                clinical_status=clinical,
                verification_status=verification,
                onset=when(onset),
                onset_age_years=onset_age_years,
                onset_age_unit=onset_age_unit,
                onset_string=onset_string,
                recorded=when(recorded),
                abatement=when(abatement),
                abated=abatement is not None if abated is None else abated,
                categories=(category,),
            )
        )
        return self

    def observation(
        self,
        code: str | None,
        system: str = LOINC,
        *,
        on: str | None = None,
        value: float | None = None,
        unit: str | None = None,
        value_code: str | None = None,
        value_system: str = SNOMED,
        status: str = "final",
        value_boolean: bool | None = None,
        value_string: str | None = None,
        text: str | None = None,
        body_site: Sequence[Coding] = (),
        value_text: str | None = None,
    ) -> ChartBuilder:
        self._observations.append(
            ObservationView(
                id=f"o{len(self._observations) + 1}",
                codings=codings(code, system),
                status=status,
                effective=when(on),
                value=value,
                unit=unit,
                value_codings=codings(value_code, value_system),
                value_boolean=value_boolean,
                value_string=value_string,
                text=text,
                body_site=tuple(body_site),
                value_text=value_text,
            )
        )
        return self

    def procedure(
        self, code: str, system: str = CPT, *, on: str | None = None, status: str = "completed",
        sites: Sequence[str] = (),
    ) -> ChartBuilder:
        """``sites``: SNOMED CT body-site codes (Procedure.bodySite)."""
        view = ProcedureView(f"p{len(self._procedures) + 1}", (Coding(system, code),), status, when(on),
                             body_site_codings=tuple(Coding(SNOMED, site) for site in sites))
        self._procedures.append(view)
        return self

    def encounter(
        self, code: str | None, system: str = SERVICE_TYPE, *, on: str | None = None,
        status: str = "finished", field: str = "service_type", based_on: Sequence[str] = (),
    ) -> ChartBuilder:
        """A visit coded by ``serviceType`` (``field="service_type"``) or ``type`` (``field="type"``)."""
        coded = {f"{field}_codings": codings(code, system)}
        view = EncounterView(f"e{len(self._encounters) + 1}", status, start=when(on),
                             based_on=tuple(based_on), **coded)  # type: ignore[arg-type]
        self._encounters.append(view)
        return self

    def medication(
        self,
        code: str | None = None,
        *,
        text: str | None = None,
        start: str | None = None,
        end: str | None = None,
        supply_days: float | None = None,
        status: str = "active",
        kind: str = "MedicationRequest",
    ) -> ChartBuilder:
        self._medications.append(
            MedicationView(
                id=f"m{len(self._medications) + 1}",
                resource_type=kind,
                codings=codings(code, RXNORM),
                text=text,
                status=status,
                start=when(start),
                end=when(end),
                supply_days=supply_days,
            )
        )
        return self

    def imaging(
        self,
        code: str | None,
        system: str = CPT,
        *,
        on: str | None = None,
        modalities: tuple[str, ...] = (),
        status: str | None = None,
        kind: str = "ImagingStudy",
        identifiers: tuple[str, ...] = (),
        based_on: tuple[str, ...] = (),
        studies: tuple[str, ...] = (),
    ) -> ChartBuilder:
        """``status`` defaults to what a done examination has: ``available`` (study), ``final`` (report)."""
        done = "final" if kind == "DiagnosticReport" else "available"
        view = ImagingView(
            f"i{len(self._imaging) + 1}", kind, codings(code, system), modalities, when(on), status or done,
            identifiers=identifiers, based_on=based_on, studies=studies,
        )
        self._imaging.append(view)
        return self

    def request(
        self,
        code: str | None,
        system: str = SNOMED,
        *,
        authored: str | None = None,
        status: str = "active",
        performer: str | None = None,
        performer_system: str = NUCC,
        occurrence: str | None = None,
    ) -> ChartBuilder:
        self._requests.append(
            ServiceRequestView(
                id=f"s{len(self._requests) + 1}",
                codings=codings(code, system),
                status=status,
                intent="order",
                authored_on=when(authored),
                performer_type_codings=codings(performer, performer_system),
                occurrence=when(occurrence),
            )
        )
        return self

    def build(self) -> Chart:
        return Chart(
            patient=self._patient,
            conditions=tuple(self._conditions),
            observations=tuple(self._observations),
            procedures=tuple(self._procedures),
            medications=tuple(self._medications),
            imaging=tuple(self._imaging),
            service_requests=tuple(self._requests),
            encounters=tuple(self._encounters),
            skipped=self.skipped,
            unavailable=self.unavailable,
        )


def draft_order(
    code: str | None = "72148",
    system: str = CPT,
    *,
    authored: str | None = None,
    reasons: Sequence[tuple[str, str]] = (),
    oid: str | None = "draft-1",
    reason_references: Sequence[str] = (),
) -> ServiceRequestView:
    """A draft imaging ServiceRequest as the hook receives it; ``reasons`` are (system, code) pairs."""
    return ServiceRequestView(
        id=oid,
        codings=codings(code, system),
        status="draft",
        intent="order",
        authored_on=when(authored),
        reason_codings=tuple(Coding(s, c) for s, c in reasons),
        reason_references=tuple(reason_references),
    )


Extract = Callable[..., Facts]


@pytest.fixture(scope="session")
def vs() -> ValueSets:
    return load_value_sets()


@pytest.fixture
def chart() -> ChartBuilder:
    return ChartBuilder()


@pytest.fixture
def order() -> Callable[..., ServiceRequestView]:
    return draft_order


@pytest.fixture
def extract(vs: ValueSets) -> Extract:
    """``extract(chart, order=None, today=..., policy=Policy())`` → Facts; an order must be spine imaging."""

    def run(
        built: ChartBuilder | Chart,
        order: ServiceRequestView | None = None,
        today: date = date(2026, 3, 1),
        policy: Policy | None = None,
    ) -> Facts:
        the_chart = built.build() if isinstance(built, ChartBuilder) else built
        facts_order = classify_order(order, today, vs) if order is not None else None
        assert order is None or facts_order is not None, "the test order is not spine imaging"
        return extract_facts(the_chart, facts_order, today, policy or Policy(), vs)

    return run

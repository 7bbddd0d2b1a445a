"""What the modality rules read beside the red flags: a contraindication to MRI (PATHWAY.md R13 "no
contraindication to MRI", R14 "only when MRI is contraindicated") and an OPLL indication for CT (R13). PURE.

Both are read wherever §2 v2 reads a finding (``facts_findings.findings``): a Condition of any category, an
asserted Observation (an MRI safety screen's "pacemaker: Yes"), the reason for a visit, procedure,
prescription or earlier order (a pacemaker check), and the draft order's own reason (a CT ordered "for
Z95.0"). A device and an ossification stay until removed, so any clinical status counts (a problem list
tidied to "resolved" does not show an explanted pacemaker); refuted and entered-in-error never do, nor a
statement dated after the order. A device is also read from the Procedure that implanted it
(``mri_device_implantation``), as Synthea and surgical histories record it. Device and AllergyIntolerance
resources are not read (docs/pathway-facts.md "Eighth pass: the modality rules", §11 "Twelfth pass: whole
charts where facts meet").
"""

from __future__ import annotations

from typing import NamedTuple

from app.pathway.facts_common import Context, dated, ordered, shown_name, treating_procedures
from app.pathway.facts_findings import findings
from app.pathway.model import Evidence, Finding, Region, State

__all__ = ["MODALITY_FINDINGS", "ModalityFindings", "modality_findings"]

# The concepts read here from an Observation's code or value too (app/fhir/templates.py fetches them).
MODALITY_FINDINGS = ("mri_contraindication", "opll")


class ModalityFindings(NamedTuple):
    """R13/R14: an implanted cardiac device, cochlear implant, neurostimulator or magnetic metal
    (``mri_contraindication``): the service must not push a one-click MRI on such a patient. R13 "OPLL
    indication": an ossification of the posterior longitudinal ligament in the order's region (``opll``
    attribute ``region``; a code naming none, such as M48.8X9, counts for every region)."""

    mri_contraindications: tuple[Evidence, ...]
    opll: tuple[Evidence, ...]


def modality_findings(ctx: Context, region: Region | None) -> ModalityFindings:
    """Both read in one pass over the chart's findings (``facts_findings.findings``)."""
    found: tuple[list[Evidence], list[Evidence]] = ([], [])
    value_sets = [ctx.vs.get(concept) for concept in MODALITY_FINDINGS]
    for statement, hits in findings(ctx, MODALITY_FINDINGS):
        for index, coding in hits:
            named = value_sets[index].attributes(coding).get("region")
            of_another_region = region is not None and named not in (None, region.value)
            if MODALITY_FINDINGS[index] == "opll" and of_another_region:
                continue
            state = State.ORDER_REASON if statement.from_order else State.FOUND
            found[index].append(Evidence(Finding(MODALITY_FINDINGS[index]), statement.reference,
                                         dated(statement.on), coding, state=state,
                                         name=shown_name(coding.display)))
    found[0].extend(treating_procedures(ctx, "mri_device_implantation", Finding.MRI_CONTRAINDICATION))
    return ModalityFindings(ordered(found[0]), ordered(found[1]))

"""R20 on a cervical or thoracic order: the level of the cord the myelopathy findings name. PURE.

A thoracic MRI does not show a cervical myelopathy (M50.0x, M47.12), nor a cervical MRI a thoracic one
(M47.14, M51.04): the myelopathy card then names both cord regions rather than the one ordered
(docs/pathway-facts.md "Ninth pass: myelopathy and the cord"). The level is the ``region`` attribute of
``myelopathy.json``; a code naming none (G95.20, R29.2, a sign in words) names no level.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.pathway.facts_common import Context
from app.pathway.model import Evidence, Finding, Region

__all__ = ["cord_regions"]


def cord_regions(ctx: Context, myelopathy: Iterable[Evidence]) -> frozenset[Region]:
    """The regions named by the codes of the myelopathy evidence (``Finding.MYELOPATHY`` only)."""
    value_set = ctx.vs.get(Finding.MYELOPATHY.value)
    named = (value_set.attributes(e.coding).get("region") for e in myelopathy
             if e.finding is Finding.MYELOPATHY and e.coding is not None)
    return frozenset(Region(region) for region in named if region is not None)

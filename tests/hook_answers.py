"""Reading a CDS Hooks answer in tests: the PAMA rating it put on the order and its cards' topics.

Shared by the in-process API tests and the SEKMET integration tests (``tests/`` is on the import path, as
for ``feedback_rows`` and ``postgres_server``).
"""

from __future__ import annotations

from typing import Any


def rating(answer: dict[str, Any]) -> str | None:
    """The PAMA rating the answer put on the order (``None``: no rating, no system action)."""
    for action in answer.get("systemActions", []):
        for extension in action["resource"].get("extension", []):
            if extension["url"].endswith("/pama-rating"):
                return str(extension["valueCodeableConcept"]["coding"][0]["code"])
    return None


def topics(answer: dict[str, Any]) -> list[tuple[str, str]]:
    """(topic code, indicator) of every card, in order."""
    return [(card["source"]["topic"]["code"], card["indicator"]) for card in answer["cards"]]

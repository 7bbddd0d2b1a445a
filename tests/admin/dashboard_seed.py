"""A known week of evaluations and feedback, and the numbers the dashboard must show for it.

2026-11-01 to 2026-11-07 (site zone UTC). One evaluation outside the period carries feedback that must
not be counted. Card ``c2`` was overridden, then accepted: it counts as accepted, its override still
counts among the override reasons.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from app.audit import AuditStore, ReferenceHasher
from app.feedback import Database, FeedbackItem, FeedbackRepository
from app.observability.outcome import HookOutcome, RatedOrder

START, END = "2026-11-01", "2026-11-07"
PASSWORD = "correct-horse-battery-staple"
SYSTEM = "urn:spine-cds:override-reason"
DEFER, RED_FLAG, REFERRAL, MODALITY, DATA = (
    "SpineDeferImaging", "SpineRedFlag", "SpineReferral", "SpineModality", "SpineDataNeeded",
)


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def rated(rules: tuple[str, ...], rating: str | None, cards: tuple[tuple[str, str, str], ...]) -> RatedOrder:
    uuids, topics, indicators = zip(*cards, strict=True)
    return RatedOrder(str(uuid.uuid4()), "ServiceRequest/o", rules, rating, uuids, topics, indicators)


def outcome(*evaluations: RatedOrder, at: datetime, **overrides: Any) -> HookOutcome:
    values: dict[str, Any] = {
        "service_id": "spine-imaging-order-select", "hook": "order-select",
        "hook_instance": str(uuid.uuid4()), "client_iss": None, "patient_reference": "Patient/p",
        "at": at, "latency_ms": 5.0, "silent": False, "evaluations": evaluations,
        "policy_version": "site-1", "content_version": "c1",
    }
    return HookOutcome(**{**values, **overrides})


def seed(database: Database) -> None:
    defer = (("R1",), "not-appropriate")
    red_flag = (("R5",), "appropriate")
    outcomes = [
        outcome(rated(*defer, (("c1", DEFER, "warning"),)), at=at(2)),
        outcome(rated(*defer, (("c2", DEFER, "warning"),)), at=at(2, 18)),
        outcome(  # one order-sign call rating two orders
            rated(*red_flag, (("c3", RED_FLAG, "critical"), ("c4", REFERRAL, "info"))),
            rated(("R13", "R1"), "not-appropriate", (("c5", MODALITY, "warning"), ("c6", DEFER, "warning"))),
            at=at(3), service_id="spine-imaging-order-sign", hook="order-sign",
        ),
        outcome(rated(*defer, (("c7", DEFER, "warning"),)), at=at(4), silent=True),
        outcome(rated(*red_flag, (("c8", RED_FLAG, "critical"),)), at=at(4, 9), silent=True),
        outcome(at=at(4, 10)),  # a call with no spine order: audited, not rated
        outcome(rated(("R27",), None, (("c9", DATA, "info"),)), at=at(5, 23)),
        outcome(rated(*defer, (("c10", DEFER, "warning"),)), at=datetime(2026, 10, 20, tzinfo=UTC)),
    ]
    AuditStore(database, ReferenceHasher(None)).write(outcomes)
    FeedbackRepository(database).record([
        overridden("c1", "candidate", "seen by spine surgeon", day=2),
        overridden("c2", "outside-imaging", None, day=2),
        accepted("c2", day=3),
        accepted("c3", day=3),
        overridden("c5", "candidate", "=HYPERLINK(\"http://evil.example\")", day=3),
        overridden("c6", "patient-preference", None, day=4),
        overridden("c10", "outside-imaging", "outside the period", day=20, month=10),
    ])


def overridden(card: str, reason: str, comment: str | None, *, day: int, month: int = 11) -> FeedbackItem:
    return FeedbackItem(
        service_id="spine-imaging-order-select", card_uuid=card, outcome="overridden",
        outcome_timestamp=datetime(2026, month, day, 13, tzinfo=UTC), override_reason_system=SYSTEM,
        override_reason_code=reason, override_reason_display=reason.replace("-", " ").title(),
        override_comment=comment,
    )


def accepted(card: str, *, day: int) -> FeedbackItem:
    return FeedbackItem(
        service_id="spine-imaging-order-select", card_uuid=card, outcome="accepted",
        outcome_timestamp=datetime(2026, 11, day, 14, tzinfo=UTC), accepted_suggestions=("s1",),
    )


EXPECTED = {
    "summary": [["hook calls", "7"], ["evaluations", "7"], ["of which silent", "2"],
                ["calls with no spine order or patient in scope", "1"]],
    "ratings": [["appropriate", "2", "1"], ["not-appropriate", "4", "1"], ["none", "1", "0"]],
    "rules": [["R1", "not-appropriate", "4", "1"], ["R5", "appropriate", "2", "1"],
              ["R13", "not-appropriate", "1", "0"], ["R27", "none", "1", "0"]],
    "topics": [
        [DATA, "1", "0", "0.0", "0", "0.0", "1", "100.0"],
        [DEFER, "3", "1", "33.3", "2", "66.7", "0", "0.0"],
        [MODALITY, "1", "0", "0.0", "1", "100.0", "0", "0.0"],
        [RED_FLAG, "1", "1", "100.0", "0", "0.0", "0", "0.0"],
        [REFERRAL, "1", "0", "0.0", "0", "0.0", "1", "100.0"],
    ],
    "reasons": [["candidate", "Candidate", "2", "2"], ["outside-imaging", "Outside Imaging", "1", "0"],
                ["patient-preference", "Patient Preference", "1", "0"]],
    "comments": [["2026-11-03", MODALITY, "candidate", "=HYPERLINK(\"http://evil.example\")"],
                 ["2026-11-02", DEFER, "candidate", "seen by spine surgeon"]],
    "silent": [[DEFER, "warning", "1", "1"], [RED_FLAG, "critical", "1", "1"]],
    "daily": [
        ["2026-11-01", "0", "0", "0", "0", "0"],
        ["2026-11-02", "0", "2", "0", "0", "2"],
        ["2026-11-03", "1", "1", "0", "0", "2"],
        ["2026-11-04", "1", "1", "0", "0", "2"],
        ["2026-11-05", "0", "0", "0", "1", "1"],
        ["2026-11-06", "0", "0", "0", "0", "0"],
        ["2026-11-07", "0", "0", "0", "0", "0"],
    ],
}


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


ADMIN = basic("admin", PASSWORD)


def html_tables(page: str) -> dict[str, list[list[str]]]:
    """``{table id: body rows as text}`` from the dashboard's HTML."""
    class Tables(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tables: dict[str, list[list[str]]] = {}
            self.current: str | None = None
            self.in_body = self.in_cell = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "table":
                self.current = dict(attrs)["id"] or ""
                self.tables[self.current] = []
            self.in_body = self.in_body or tag == "tbody"
            if tag == "tr" and self.in_body and self.current and ("class", "empty") not in attrs:
                self.tables[self.current].append([])
            if tag == "td" and self.in_body:
                self.in_cell = ("colspan" not in dict(attrs))
                if self.in_cell and self.current:
                    self.tables[self.current][-1].append("")

        def handle_endtag(self, tag: str) -> None:
            self.in_body = self.in_body and tag != "tbody"
            self.in_cell = self.in_cell and tag != "td"

        def handle_data(self, data: str) -> None:
            if self.in_cell and self.current:
                self.tables[self.current][-1][-1] += data.strip()

    parser = Tables()
    parser.feed(page)
    return parser.tables

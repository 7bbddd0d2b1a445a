"""The committee's figures, counted in one pass over the sorted rows (both engines feed it the same rows).

Memory grows with distinct months, rules, topics and clinician-days, not with orders; the red-flag list
keeps at most ``RED_FLAG_LIST_LIMIT`` orders (the count is exact).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from app.pathway.model import Topic
from app.replay.rows import Row

RED_FLAG_LIST_LIMIT = 500


def _percentile(values: list[int], share: float) -> int:
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _per_100(count: int, orders: int) -> float | None:
    return round(100 * count / orders, 1) if orders else None


@dataclass
class Tally:
    orders: int = 0
    not_evaluated: int = 0
    orders_with_cards: int = 0
    cards: int = 0
    by_month: dict[str, Counter[str]] = field(default_factory=dict)
    by_rating: Counter[str] = field(default_factory=Counter)
    by_indicator: Counter[str] = field(default_factory=Counter)
    by_rule: Counter[str] = field(default_factory=Counter)
    by_topic: Counter[str] = field(default_factory=Counter)
    by_region: Counter[str] = field(default_factory=Counter)
    clinician_days: Counter[tuple[str, str]] = field(default_factory=Counter)
    clinician_day_orders: Counter[tuple[str, str]] = field(default_factory=Counter)
    red_flag_appropriate: list[dict[str, str]] = field(default_factory=list)
    red_flag_appropriate_count: int = 0

    def add(self, row: Row) -> None:
        cell = row.as_dict()
        self.orders += 1
        if cell["evaluated"] != "yes":
            self.not_evaluated += 1
            return
        cards = int(cell["cards"] or 0)
        self.cards += cards
        self.orders_with_cards += cards > 0
        month = self.by_month.setdefault(cell["authored_on"][:7], Counter())
        month.update({"orders": 1, "orders_with_cards": int(cards > 0), "cards": cards})
        self.by_rating[cell["rating"] or "unrated"] += 1
        self.by_indicator[cell["indicator"] or "no card"] += 1
        self.by_rule.update(cell["rules"].split())
        self.by_topic.update(cell["topics"].split())
        self.by_region[cell["region"] or "unknown"] += 1
        self._clinician_day(cell, cards)
        self._red_flag(cell)

    def _clinician_day(self, cell: dict[str, str], cards: int) -> None:
        if cell["requester"]:
            key = (cell["requester"], cell["authored_on"])
            self.clinician_day_orders[key] += 1
            self.clinician_days[key] += cards

    def _red_flag(self, cell: dict[str, str]) -> None:
        """Made appropriate by a red flag: rated appropriate with a red-flag card (PATHWAY.md R5–R8, R20),
        not merely with a weak flag on the chart."""
        if cell["rating"] == "appropriate" and Topic.RED_FLAG.value in cell["topics"].split():
            self.red_flag_appropriate_count += 1
            if len(self.red_flag_appropriate) < RED_FLAG_LIST_LIMIT:
                keep = ("order", "authored_on", "region", "modality", "red_flags", "indicator", "rules")
                self.red_flag_appropriate.append({name: cell[name] for name in keep})

    def figures(self) -> dict[str, Any]:
        per_day = list(self.clinician_days.values())
        evaluated = self.orders - self.not_evaluated
        return {
            "orders": self.orders,
            "orders_evaluated": evaluated,
            "orders_not_evaluated": self.not_evaluated,
            "orders_with_cards": self.orders_with_cards,
            "cards": self.cards,
            "cards_per_100_orders": _per_100(self.cards, evaluated),
            "orders_with_cards_per_100": _per_100(self.orders_with_cards, evaluated),
            "clinician_days": self._clinician_figures(per_day),
            "by_month": {m: dict(c) for m, c in sorted(self.by_month.items())},
            "by_rating": dict(sorted(self.by_rating.items())),
            "by_indicator": dict(sorted(self.by_indicator.items())),
            "by_rule": dict(self.by_rule.most_common()),
            "by_topic": dict(self.by_topic.most_common()),
            "by_region": dict(sorted(self.by_region.items())),
            "red_flag_appropriate_count": self.red_flag_appropriate_count,
            "red_flag_appropriate": self.red_flag_appropriate,
        }

    def _clinician_figures(self, per_day: list[int]) -> dict[str, Any]:
        """A clinician-day is one requester on one calendar day with at least one spine order."""
        if not per_day:
            return {"count": 0, "note": "no order names its requester"}
        return {
            "count": len(per_day),
            "cards_mean": round(sum(per_day) / len(per_day), 2),
            "cards_p50": _percentile(per_day, 0.5),
            "cards_p90": _percentile(per_day, 0.9),
            "cards_max": max(per_day),
            "days_with_a_card": sum(1 for cards in per_day if cards),
            "orders_mean": round(sum(self.clinician_day_orders.values()) / len(per_day), 2),
            "histogram": {str(cards): days for cards, days in sorted(Counter(per_day).items())},
        }

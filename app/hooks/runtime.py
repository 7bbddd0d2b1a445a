"""What the app holds for its lifetime: settings, loaded content, the shared HTTP client, the database.

Built once in the lifespan (``app.main``) and handed to handlers through dependencies, so a handler gets
a narrow context, not the framework (STYLE.md habits 2–3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import httpx

from app.feedback import Database, FeedbackRepository
from app.fhir.prefetch import Fetcher
from app.observability.outcome import LogObserver, OutcomeObserver
from app.pathway.policy import Policy
from app.render import CardLibrary, load_card_library
from app.settings import Mode, Settings
from app.terminology import ValueSets, load_value_sets


@dataclass(frozen=True, slots=True)
class Content:
    """What the pure stages need: value sets, card content and the site policy (all loaded once)."""

    value_sets: ValueSets
    cards: CardLibrary
    policy: Policy
    pama_legacy_urls: bool = False  # PAMA_LEGACY_EXTENSION_URLS (PATHWAY.md §5)


def load_content(settings: Settings) -> Content:
    """Value sets, cards and the site policy, as the service, ``spine-cds evaluate`` and replay load them."""
    return Content(load_value_sets(), load_card_library(settings.cards_dir), settings.pathway_policy,
                   settings.pama_legacy_extension_urls)


@dataclass(frozen=True, slots=True)
class Runtime:
    settings: Settings
    content: Content
    http: httpx.AsyncClient
    database: Database
    feedback: FeedbackRepository
    fetcher: Fetcher | None = None
    observers: tuple[OutcomeObserver, ...] = (LogObserver(),)

    def is_silent(self, service_id: str) -> bool:
        """Silent mode, for every service or the ones in ``silent_services``: evaluate and audit as usual,
        return no cards and no systemActions (run new CDS silently first)."""
        return self.settings.mode is Mode.SILENT or service_id in self.settings.silent_services

    def today(self) -> date:
        """The site's calendar date: used only when an order carries no ``authoredOn`` (PATHWAY.md §2)."""
        return datetime.now(ZoneInfo(self.settings.site_timezone)).date()

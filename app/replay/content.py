"""The content a replay rates with: what the service itself loads at start-up, from the same settings."""

from __future__ import annotations

from app.hooks.runtime import Content
from app.render import load_card_library
from app.settings import Settings
from app.terminology import load_value_sets


def load_content(settings: Settings) -> Content:
    """Value sets, card content and the site policy (``SPINE_CDS_POLICY_FILE`` …), as ``app.main`` loads
    them; workers call it themselves because loaded content does not pickle."""
    return Content(load_value_sets(), load_card_library(settings.cards_dir), settings.pathway_policy)

"""PURE: decision + card content (``cards/``) → CDS Hooks 2.0 cards and PAMA system actions.

No web framework, HTTP client or database here (STYLE.md habit 1); plain dicts out, ready for JSON.
"""

from app.render.cards import render_cards
from app.render.context import RenderContext, new_uuid
from app.render.library import CardLibrary, load_card_library
from app.render.pama import pama_system_action

__all__ = [
    "CardLibrary",
    "RenderContext",
    "load_card_library",
    "new_uuid",
    "pama_system_action",
    "render_cards",
]

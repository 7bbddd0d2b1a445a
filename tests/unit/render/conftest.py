"""Fixtures of the render tests; the data they use lives in render_fixtures.py."""

from __future__ import annotations

import pytest
from render_fixtures import CARDS

from app.render import CardLibrary, load_card_library


@pytest.fixture(scope="session")
def library() -> CardLibrary:
    return load_card_library(CARDS)

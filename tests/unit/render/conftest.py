"""Fixtures of the render tests; the data they use lives in render_fixtures.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from render_fixtures import CARDS

from app.render import CardLibrary, load_card_library


@pytest.fixture(scope="session")
def library() -> CardLibrary:
    return load_card_library(CARDS)


@pytest.fixture
def cards_copy(tmp_path: Path) -> Path:
    """A copy of cards/ that a test may break."""
    target = tmp_path / "cards"
    shutil.copytree(CARDS, target)
    return target

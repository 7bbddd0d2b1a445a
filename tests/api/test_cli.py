"""``spine-cds evaluate`` prints the cards and ratings of a saved hook request, with no server running."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_evaluate_prints_the_defer_card_and_rating(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(EXAMPLES / "order-select-lumbar-day20.json"), "--today", "2026-11-20"]) == 0
    printed = capsys.readouterr().out
    assert "[warning] Defer lumbar MRI: radicular symptoms 20 days (<6 weeks), no red flags" in printed
    assert "rating: not-appropriate" in printed


def test_evaluate_json_prints_the_whole_response(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(EXAMPLES / "order-select-cauda-equina.json"), "--json"]) == 0
    response = json.loads(capsys.readouterr().out)
    assert response["cards"][0]["indicator"] == "critical"
    assert response["extension"]["systemActions"] == response["systemActions"]


def test_evaluate_refuses_a_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "/nonexistent/request.json"]) == 2
    assert "spine-cds:" in capsys.readouterr().err

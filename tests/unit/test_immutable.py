"""``@immutable`` (app/immutable.py): frozen for the type checker, compared and hashed like a frozen one."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest
from mypy import api as mypy_api

from app.chart.model import ConditionView
from app.immutable import immutable
from app.terminology.coding import Coding

ROOT = Path(__file__).resolve().parents[2]


@immutable
class _Point:
    x: int
    label: str = "p"


def test_values_compare_and_hash_by_their_fields() -> None:
    assert _Point(1) == _Point(1, "p")
    assert _Point(1) != _Point(2)
    assert len({_Point(1), _Point(1), _Point(2)}) == 2


def test_views_still_work_as_dataclasses() -> None:
    view = ConditionView("c1", (Coding("http://snomed.info/sct", "23056005"),))

    assert dataclasses.replace(view, id="c2").reference == "Condition/c2"
    assert dataclasses.is_dataclass(view)
    assert not hasattr(view, "__dict__")  # slotted, as before


def test_type_checker_refuses_assignment_to_a_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "assigns.py"
    source.write_text(textwrap.dedent("""
        from app.chart.model import ConditionView
        view = ConditionView("c1", ())
        view.id = "c2"
    """))
    monkeypatch.setenv("MYPYPATH", str(ROOT))

    report, _, status = mypy_api.run(
        [str(source), "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"),
         "--follow-imports", "silent"]
    )

    assert status == 1, report
    assert 'Property "id" defined in "ConditionView" is read-only' in report

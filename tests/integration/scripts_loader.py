"""scripts/ehr_charts.py for the tests, loaded by path (scripts/ is not a package)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_PATH = Path(__file__).resolve().parents[2] / "scripts" / "ehr_charts.py"
_SPEC = importlib.util.spec_from_file_location("ehr_charts", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
ehr_charts = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(ehr_charts)

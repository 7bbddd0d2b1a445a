"""scripts/import_cycles.py: app/ has no import cycle, between modules or rooms, hidden imports included."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
_SPEC = importlib.util.spec_from_file_location("import_cycles", ROOT / "scripts" / "import_cycles.py")
assert _SPEC is not None and _SPEC.loader is not None
import_cycles = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(import_cycles)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in {"app/__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_app_has_no_import_cycle() -> None:
    assert import_cycles.problems(ROOT) == []


def test_a_cycle_hidden_in_a_function_is_found(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "app/settings.py": "def load():\n    from app.policyfile import read\n",
        "app/policyfile.py": "from app.settings import load\n",
    })
    assert "module cycle: app.policyfile <-> app.settings" in import_cycles.problems(root)


def test_rooms_that_import_each_other_are_a_cycle_even_without_a_module_cycle(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "app/hooks/__init__.py": "",
        "app/hooks/outcome.py": "",
        "app/hooks/auth.py": "from app.observability.metrics import count\n",
        "app/observability/__init__.py": "",
        "app/observability/metrics.py": "",
        "app/observability/observer.py": "from app.hooks.outcome import HookOutcome\n",
    })
    assert import_cycles.problems(root) == ["room cycle: app.hooks <-> app.observability"]


def test_type_checking_imports_and_entry_points_close_no_cycle(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "app/cli.py": "from app.replay import run\nfrom app.fhir import Chart\n",
        "app/replay/__init__.py": "",
        "app/replay/__main__.py": "from app.cli import main\n",
        "app/fhir.py": "import typing\nif typing.TYPE_CHECKING:\n    from app.cli import Settings\n",
        "app/other.py": "import app.fhir\n",
    })
    assert import_cycles.problems(root) == []


def test_importing_a_submodule_depends_on_its_package(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "app/fhir/__init__.py": "from app.fhir.client import x\n",
        "app/fhir/client.py": "from app.settings import y\n",
        "app/fhir/parse.py": "",
        "app/settings.py": "from app.fhir.parse import z\n",  # runs app/fhir/__init__.py, so client
    })
    assert "module cycle: app.fhir <-> app.fhir.client <-> app.settings" in import_cycles.problems(root)

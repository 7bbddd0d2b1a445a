"""The settings table of docs/deploy.md, from the ``Settings`` class: every ``SPINE_CDS_`` variable and its
default. Meanings are written by hand in the document; ``python tests/deploy/settings_table.py`` prints
the table with them kept and a TODO for a setting the document does not describe yet.
"""

from __future__ import annotations

import re
import sys
from dataclasses import asdict, is_dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "deploy.md"
START, END = "<!-- settings-table:start -->", "<!-- settings-table:end -->"
HEADER = "| Variable | Default | Meaning |\n|---|---|---|"


def expected_rows() -> dict[str, str]:
    """``SPINE_CDS_NAME`` → default as the table shows it, in the class's order; nested models flattened."""
    sys.path.insert(0, str(ROOT))
    from app.settings import PROJECT_ROOT, Settings

    rows: dict[str, str] = {}
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        if isinstance(default, BaseModel) or is_dataclass(default):
            values = default.model_dump() if isinstance(default, BaseModel) else asdict(default)
            for inner, value in values.items():
                rows[f"SPINE_CDS_{name.upper()}__{inner.upper()}"] = show(value, PROJECT_ROOT)
        else:
            rows[f"SPINE_CDS_{name.upper()}"] = show(default, PROJECT_ROOT)
    return rows


def show(value: Any, project_root: Path) -> str:
    if value is None or value == [] or (isinstance(value, SecretStr) and not value.get_secret_value()):
        return "(unset)"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        value = str(value).lower()
    text = str(value).replace(str(project_root), "<checkout>")
    return f"`{text}`"


def documented_rows(text: str) -> dict[str, tuple[str, str]]:
    """``SPINE_CDS_NAME`` → (default, meaning) from the table between the markers."""
    table = text.split(START, 1)[1].split(END, 1)[0]
    rows = {}
    for line in table.strip().splitlines()[2:]:
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        rows[cells[0].strip("`")] = (cells[1], cells[2])
    return rows


def render(text: str) -> str:
    documented = documented_rows(text) if START in text else {}
    lines = [HEADER]
    for name, default in expected_rows().items():
        meaning = documented.get(name, ("", "TODO: what it means"))[1]
        lines.append(f"| `{name}` | {default} | {meaning} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(DOC.read_text()))

"""docs/deploy.md and the README list every SPINE_CDS_ setting with its real default."""

from __future__ import annotations

from pathlib import Path

import pytest
from deploy.settings_table import DOC, ROOT, documented_rows, expected_rows


@pytest.mark.parametrize("doc", [DOC, ROOT / "README.md"], ids=["docs/deploy.md", "README.md"])
def test_every_setting_is_documented_with_its_default(doc: Path) -> None:
    documented = documented_rows(doc.read_text())
    expected = expected_rows()
    missing, stale = expected.keys() - documented.keys(), documented.keys() - expected.keys()
    assert not missing and not stale, (
        f"run `python tests/deploy/settings_table.py` and describe: missing {sorted(missing)}, "
        f"gone {sorted(stale)}")
    wrong = {name: (documented[name][0], default) for name, default in expected.items()
             if documented[name][0] != default}
    assert not wrong, f"defaults differ (documented, actual): {wrong}"
    assert all(meaning and "TODO" not in meaning for _, meaning in documented.values())

"""docs/deploy.md lists every SPINE_CDS_ setting with its real default (issue #9 item 5)."""

from __future__ import annotations

from deploy.settings_table import DOC, documented_rows, expected_rows


def test_every_setting_is_documented_with_its_default() -> None:
    documented = documented_rows(DOC.read_text())
    expected = expected_rows()
    missing, stale = expected.keys() - documented.keys(), documented.keys() - expected.keys()
    assert not missing and not stale, (
        f"run `python tests/deploy/settings_table.py` and describe: missing {sorted(missing)}, "
        f"gone {sorted(stale)}")
    wrong = {name: (documented[name][0], default) for name, default in expected.items()
             if documented[name][0] != default}
    assert not wrong, f"defaults differ (documented, actual): {wrong}"
    assert all(meaning and "TODO" not in meaning for _, meaning in documented.values())

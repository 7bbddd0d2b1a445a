"""Every word a clinician reads lives in cards/ (STYLE.md habit 6): the pathway hands a card values.

Two scans of the string constants of ``app/pathway`` (docstrings aside):

* none of them is a word of ``cards/labels.toml`` ("radiographs", "unknown", "cervical or thoracic",
  "unexplained weight loss", "no visit recorded", …) — the card keys (``"myelography"`` names
  cards/myelography.toml), placeholder names (``"days"``), the chart categories of ``Facts.unavailable``
  (``"imaging"``) and the value-set concepts (``"fever"`` names app/terminology/data/fever.json, and the
  ``Finding`` of its evidence) are keys, not words;
* no module holds a phrase at all: a constant with a space in it is a criteria name of PATHWAY.md §7
  (``Decision.auc_variant``, e.g. "ACR LBP 2021 variant 1"), a chart category, or what a fact reader
  *reads* in the chart — a regular expression or a member of a set of chart answers ("not present") —
  never what it writes: the fact readers hand the renderer typed evidence (app/render/evidence.py).
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.fhir.templates import KEY_CATEGORIES, OTHER_PATIENT
from app.pathway.model import Finding, State

ROOT = Path(__file__).resolve().parents[3]
PATHWAY = ROOT / "app" / "pathway"
CARDS = ROOT / "cards"
MODULES = sorted(PATHWAY.glob("*.py"))
CRITERIA = re.compile(r"(ACR LBP 2021|ACR Cervical 2018|ACP 2011|PATHWAY R\d+)?( variant \d+)?")
# Keys, not words: card files, placeholders ("days" names {days}), the chart categories of Facts.unavailable.
FILES = {path.stem: path.read_text(encoding="utf-8") for path in CARDS.glob("*.toml")}
PLACEHOLDERS = {name for text in FILES.values() for name in re.findall(r"\{(\w+)\}", text)}
CONCEPTS = {path.stem for path in (ROOT / "app" / "terminology" / "data").glob("*.json")}
CONCEPTS |= {*Finding, *State}  # the evidence's keys (cards/labels.toml [evidence])
KEYS = set(FILES) | PLACEHOLDERS | set(KEY_CATEGORIES.values()) | {OTHER_PATIENT} | CONCEPTS


def label_words() -> set[str]:
    """Every word of cards/labels.toml, and the literal text of its formats and evidence forms (" weeks",
    " or more", "planned ", ", resolved on ")."""
    table = tomllib.loads((CARDS / "labels.toml").read_text(encoding="utf-8"))
    evidence = table["evidence"]
    words = {word for name in ("modality", "contrast", "region", "notes", "unknown")
             for word in table[name].values()}
    words |= {*evidence["short"].values(), evidence["undated"]}
    forms = (*table["formats"].values(), *evidence["findings"].values(), evidence["named"],
             *evidence["texts"].values(), *evidence["states"].values())
    literal = {part for text in forms for part in re.split(r"\{\w+\}", text)}
    return {word.strip().casefold() for word in words | literal if word.strip()}


def constants(path: Path, *, written: bool = False) -> Iterator[tuple[int, str]]:
    """(line, text) of each string constant of ``path`` that is not a docstring, in line order; ``written``:
    only those the module may write — not what a fact reader matches the chart against (``_read``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value) for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }
    skipped = docstrings | (_read(tree) if written else set())
    found = [
        (node.lineno, node.col_offset, node.value) for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped
    ]
    yield from ((line, text) for line, _, text in sorted(found))


def _read(tree: ast.AST) -> set[int]:
    """``id``s of the constants the chart is matched against, never shown: a regular expression
    (``re.compile``'s pattern), a member of a set literal (chart answers such as "not present", units such
    as "°C") and a dict literal's key (a unit it converts, "mg/dL")."""
    patterns = (
        node.args[0] for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "compile"
        and node.args
    )
    members = (item for node in ast.walk(tree) if isinstance(node, ast.Set) for item in node.elts)
    keys = (key for node in ast.walk(tree) if isinstance(node, ast.Dict) for key in node.keys)
    return {id(node) for node in (*patterns, *members, *keys) if isinstance(node, ast.Constant)}


def card_words_in(path: Path, words: set[str]) -> list[str]:
    """Constants that are a labels.toml word, or contain one with a space in it, and are not keys."""
    found = []
    for line, text in constants(path, written=True):
        folded = text.casefold()
        is_word = folded.strip() in words or any(" " in word and word in folded for word in words)
        if is_word and text not in KEYS:
            found.append(f"{path.name}:{line} {text!r}")
    return found


def phrases_in(path: Path) -> list[str]:
    return [
        f"{path.name}:{line} {text!r}" for line, text in constants(path, written=True)
        if " " in text.strip() and text not in KEYS and not CRITERIA.fullmatch(text)
    ]


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_no_pathway_module_holds_a_word_of_the_labels_file(path: Path) -> None:
    assert card_words_in(path, label_words()) == []


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_no_pathway_module_holds_a_phrase_only_criteria_names_keys_and_what_it_reads(path: Path) -> None:
    assert phrases_in(path) == []


def test_the_scans_catch_the_words_the_pathway_once_wrote(tmp_path: Path) -> None:
    """The phrases that lived in decide_case.py and decide_patient.py before cards/labels.toml."""
    old = tmp_path / "decide_old.py"
    old.write_text(
        'XR = "radiographs"\n'
        'def iso(day):\n    """A date."""\n    return "unknown"\n'
        'def threshold(days):\n    return f"{days // 7} weeks"\n'
        'CARE = "none documented"\n'
        'TARGET = "cervical or thoracic"\n',
        encoding="utf-8",
    )
    assert [hit.split(" ", 1)[1] for hit in card_words_in(old, label_words())] == [
        "'radiographs'", "'unknown'", "' weeks'", "'cervical or thoracic'",
    ]
    assert "'none documented'" in " ".join(phrases_in(old))
    assert len(MODULES) >= 15


def test_the_scans_catch_the_evidence_labels_the_fact_readers_once_wrote(tmp_path: Path) -> None:
    """The labels facts*.py built before cards/labels.toml [evidence], beside what a reader only reads."""
    old = tmp_path / "facts_old.py"
    old.write_text(
        'import re\n'
        'LABELS = {"weight_loss": "unexplained weight loss"}\n'
        'def resolved(label, day):\n    return f"{label}, resolved on {day}"\n'
        'def fever(celsius):\n    return f"temperature {celsius:.1f} °C"\n'
        'SHORT = {"physical_therapy": "PT"}\n'
        'PROCEDURE = "spinal procedure in the last 90 days"\n'
        '_NO = frozenset({"no", "not present"})\n'
        '_CELSIUS = frozenset({"Cel", "°C"})\n'
        '_STRENGTH = re.compile(r"\\b(strength|power|manual muscle test\\w*)\\b")\n',
        encoding="utf-8",
    )
    assert [hit.split(" ", 1)[1] for hit in card_words_in(old, label_words())] == [
        "'unexplained weight loss'", "', resolved on '", "' °C'", "'temperature '", "'PT'",
        "'spinal procedure in the last 90 days'",
    ]
    assert [hit.split(" ", 1)[1] for hit in phrases_in(old)] == [
        "'unexplained weight loss'", "', resolved on '", "'spinal procedure in the last 90 days'",
    ]

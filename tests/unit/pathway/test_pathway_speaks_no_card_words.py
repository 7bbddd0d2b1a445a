"""Every word a clinician reads lives in cards/ (STYLE.md habit 6): the pathway hands a card values.

Two scans of the string constants of ``app/pathway`` (docstrings aside):

* none of them is a word of ``cards/labels.toml`` ("radiographs", "unknown", "cervical or thoracic", …)
  — the card keys (``"myelography"`` names cards/myelography.toml), placeholder names (``"days"``) and the
  chart categories of ``Facts.unavailable`` (``"imaging"``) are keys, not words;
* the modules that decide (``decide*.py``, ``model.py``, ``policy.py``, ``engine.py``) hold no phrase at
  all: a constant with a space in it is a criteria name of PATHWAY.md §7 (``Decision.auc_variant``, e.g.
  "ACR LBP 2021 variant 1") or a chart category. The fact readers (``facts*.py``) still build evidence
  labels — what was found, e.g. "unexplained weight loss" — and are held to the first scan only.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.fhir.templates import KEY_CATEGORIES, OTHER_PATIENT

ROOT = Path(__file__).resolve().parents[3]
PATHWAY = ROOT / "app" / "pathway"
CARDS = ROOT / "cards"
DECIDING = sorted(
    path for path in PATHWAY.glob("*.py") if path.stem.startswith("decide") or path.stem in {
        "model", "policy", "engine",
    }
)
CRITERIA = re.compile(r"(ACR LBP 2021|ACR Cervical 2018|ACP 2011|PATHWAY R\d+)?( variant \d+)?")
# Keys, not words: card files, placeholders ("days" names {days}), the chart categories of Facts.unavailable.
FILES = {path.stem: path.read_text(encoding="utf-8") for path in CARDS.glob("*.toml")}
PLACEHOLDERS = {name for text in FILES.values() for name in re.findall(r"\{(\w+)\}", text)}
KEYS = set(FILES) | PLACEHOLDERS | set(KEY_CATEGORIES.values()) | {OTHER_PATIENT}


def label_words() -> set[str]:
    """Every word of cards/labels.toml, and the literal text of its formats (" weeks", " or more")."""
    table = tomllib.loads((CARDS / "labels.toml").read_text(encoding="utf-8"))
    words = {word for name in ("modality", "contrast", "region", "notes", "unknown")
             for word in table[name].values()}
    literal = {part for text in table["formats"].values() for part in re.split(r"\{\w+\}", text)}
    return {word.strip().casefold() for word in words | literal if word.strip()}


def constants(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of each string constant of ``path`` that is not a docstring, in line order."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value) for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }
    found = [
        (node.lineno, node.col_offset, node.value) for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]
    yield from ((line, text) for line, _, text in sorted(found))


def card_words_in(path: Path, words: set[str]) -> list[str]:
    """Constants that are a labels.toml word, or contain one with a space in it, and are not keys."""
    found = []
    for line, text in constants(path):
        folded = text.casefold()
        is_word = folded.strip() in words or any(" " in word and word in folded for word in words)
        if is_word and text not in KEYS:
            found.append(f"{path.name}:{line} {text!r}")
    return found


def phrases_in(path: Path) -> list[str]:
    return [
        f"{path.name}:{line} {text!r}" for line, text in constants(path)
        if " " in text.strip() and text not in KEYS and not CRITERIA.fullmatch(text)
    ]


@pytest.mark.parametrize("path", sorted(PATHWAY.glob("*.py")), ids=lambda path: path.name)
def test_no_pathway_module_holds_a_word_of_the_labels_file(path: Path) -> None:
    assert card_words_in(path, label_words()) == []


@pytest.mark.parametrize("path", DECIDING, ids=lambda path: path.name)
def test_the_deciding_modules_hold_no_phrase_only_criteria_names_and_keys(path: Path) -> None:
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
    assert len(DECIDING) >= 7

"""The repository stands on its own: the specification it cites is in docs/spec/, and nothing points outside.

Code, cards, tests and docs cite requirement ids (``PATHWAY.md R12``, ``PATHWAY R1, R13``,
``CONTRACT.md P8``, ``CONTRACT.md §3.3``, ``STYLE.md habit 1``). Each citation must name a heading or a table
row of docs/spec/PATHWAY.md, CONTRACT.md, CODES.md or STYLE.md, so that a reader who clones the repository can
look it up. No file may link to the specification's old home outside the repository or cite the numbers
of a private issue tracker, and every relative Markdown link in the README and docs/ must lead to a file.
Pure file reading: no app import.
"""
from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "docs" / "spec"
DOCUMENTS = {name: SPEC / f"{name}.md" for name in ("PATHWAY", "CONTRACT", "CODES", "STYLE")}
CITING = ("app", "tests", "cards", "docs", "README.md", "bench", "demo", "deploy")
TEXT_SUFFIXES = {".py", ".md", ".toml", ".json", ".yaml", ".yml", ".txt", ".cfg", ".ini", ".html", ".sh"}

# One citation: the document's name, then ids joined by ",", "/", "-", "–", "to", "and" or an opening bracket.
CITATION = re.compile(r"\b(PATHWAY|CONTRACT|CODES|STYLE)(?:\.md)?[ \t]+")
ID = re.compile(r"§\s?\d+[a-z]?(?:\.\d+)*|(?:safety\s+)?invariants?\s+\d+|recommendations?\s+\d+"
                r"|habits?\s+\d+|layout\b|[A-Z]\d+[a-z]?\b")
BARE_NUMBER = re.compile(r"\d+\b")
SEPARATOR = re.compile(r"\)?[ \t]*(?:,|/|–|-|\bto\b|\band\b)?[ \t]*\(?[ \t]*")
RANGE = re.compile(r"[ \t]*(?:–|-|\bto\b)[ \t]*")

OUTSIDE_LINK = re.compile(r"(?:\.\./)+shared/|/work/shared")
OLD_NAME = re.compile(r"\bCODES-v2\b")  # the outside file's name; in the repository: CODES.md §1a …
TRACKER = re.compile(r"(?i)\b(?:issues?|tickets?)\s*#\s*\d+|\(#\d+\)")
MARKDOWN_LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
TEST_NAMED_FOR_ID = re.compile(r"^\s*(?:async\s+)?def test_([a-z])(\d+[ab]?)_", re.MULTILINE)


# --- the anchors each document offers -------------------------------------------------------------------
def _normal(raw: str) -> str:
    """One spelling per id: "§ 2" -> "§2", "Safety invariants 4" -> "invariant 4", "R7b" stays."""
    text = re.sub(r"\s+", " ", raw.strip())
    text = re.sub(r"^§ ", "§", text)
    text = re.sub(r"(?i)^(?:safety )?invariants? ", "invariant ", text)
    text = re.sub(r"(?i)^habits? ", "habit ", text)
    return re.sub(r"(?i)^recommendations? ", "recommendation ", text)


def _row_anchors(first_cell: str, header: str) -> Iterator[str]:
    cell = re.sub(r"\*\(v2\)\*|\*\*|`", " ", first_cell)
    if re.fullmatch(r"\s*\d+\s*", cell):
        yield _normal(f"{header} {cell.strip()}")  # a numbered table: "Invariant" + "4"
    for token in re.split(r"[\s/,]+", cell):
        if re.fullmatch(r"[A-Z]\d+[a-z]?", token):
            yield token


@cache
def anchors(name: str) -> frozenset[str]:
    """Heading numbers (§2, §6.4, §1a), unnumbered heading titles, and the ids in the first cell of every
    table row ("R12", "P8"; "invariant 4" for the row "4" of a table headed "Invariant")."""
    found: set[str] = set()
    header = ""
    for line in DOCUMENTS[name].read_text(encoding="utf-8").splitlines():
        heading = re.match(r"#{1,6}\s+(\d+[a-z]?(?:\.\d+)*)\.?\s", line)
        if heading:
            found.add(f"§{heading.group(1)}")
        elif line.startswith("#"):
            found.add(line.lstrip("#").strip().lower())
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if not cells or set(cells[0]) <= set("-: "):
            header = "" if not cells else header
            continue
        header = header or cells[0].lower()
        found.update(_row_anchors(cells[0], header))
    return frozenset(found)


def resolves(name: str, anchor: str) -> bool:
    """An id resolves to itself, or to the family it names (R3 -> R3a, R3b)."""
    known = anchors(name)
    return anchor in known or any(re.fullmatch(re.escape(anchor) + r"[a-z]", k) for k in known)


# --- the citations in the repository --------------------------------------------------------------------
def _ids_after(text: str, start: int) -> Iterator[tuple[str, bool]]:
    """(id, follows a range dash) for each id in the list that starts at ``start``."""
    position, kind, ranged = start, "", False
    while True:
        match = ID.match(text, position)
        if match is None and kind in {"invariant", "recommendation", "habit"}:
            match = BARE_NUMBER.match(text, position)
        if match is None:
            return
        token = match.group(0)
        anchor = _normal(token) if not token.isdigit() else f"{kind} {token}"
        kind = anchor.split(" ")[0] if " " in anchor else ""
        yield anchor, ranged
        ranged = RANGE.match(text, match.end()) is not None
        position = SEPARATOR.match(text, match.end()).end()  # type: ignore[union-attr]


def _expand(ids: list[tuple[str, bool]]) -> Iterator[str]:
    """Every id of a list; a letter range (D1–D5, S2 to S7) stands for each id in it."""
    previous = ""
    for anchor, ranged in ids:
        low, high = re.fullmatch(r"([A-Z])(\d+)", previous or "-0"), re.fullmatch(r"([A-Z])(\d+)", anchor)
        if ranged and low and high and low.group(1) == high.group(1):
            yield from (f"{low.group(1)}{n}" for n in range(int(low.group(2)) + 1, int(high.group(2))))
        yield anchor
        previous = anchor


def citations(text: str) -> Iterator[tuple[str, str]]:
    """(document, id) for every citation in ``text``."""
    for match in CITATION.finditer(text):
        for anchor in _expand(list(_ids_after(text, match.end()))):
            yield match.group(1), anchor


def repository_files() -> list[Path]:
    """The tracked files (git), else every file outside hidden, virtual-env and run-time directories."""
    try:
        listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
        files = [ROOT / name for name in listing.decode().split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".venv", "var", "__pycache__", "node_modules"}
        files = [p for p in ROOT.rglob("*") if not skip.intersection(p.relative_to(ROOT).parts)]
    return [path for path in files if path.is_file()]


def text_files(paths: list[Path]) -> dict[Path, str]:
    texts = {}
    for path in paths:
        if path.suffix in TEXT_SUFFIXES or path.name in {"Makefile", "Dockerfile", "README.md"}:
            try:
                texts[path] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
    return texts


@cache
def all_texts() -> dict[Path, str]:
    return text_files(repository_files())


def citing_texts() -> dict[Path, str]:
    return {path: text for path, text in all_texts().items()
            if path.relative_to(ROOT).parts[0] in CITING}


def line_of(text: str, needle: str) -> int:
    return text[: text.find(needle)].count("\n") + 1 if needle in text else 0


# --- the tests --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_each_specification_document_is_in_the_repository(name: str) -> None:
    assert DOCUMENTS[name].is_file(), DOCUMENTS[name]
    assert anchors(name), f"{name}: no headings or table rows found"


def test_every_pathway_rule_and_invariant_has_its_own_row() -> None:
    rules = {"R1", "R2", "R23", "R3a", "R3b", "R5", "R6", "R7", "R7b", "R8", "R9", "R10", "R11", "R21", "R12",
             "R13", "R14", "R15", "R16", "R17", "R19", "R19b", "R20", "R24", "R27", "R28"}
    invariants = {f"invariant {n}" for n in range(1, 8)}
    sections = {"§1", "§2", "§3", "§4", "§5", "§6", "§6.1", "§6.2", "§6.3", "§6.4", "§6.5", "§6.6", "§7"}
    wanted = rules | invariants | sections
    assert wanted <= anchors("PATHWAY"), sorted(wanted - anchors("PATHWAY"))


def test_every_contract_requirement_has_its_own_row() -> None:
    counts = {"G": 4, "D": 8, "R": 9, "P": 11, "C": 16, "F": 7, "S": 10, "X": 1}
    ids = {f"{letter}{n}" for letter, last in counts.items() for n in range(1, last + 1)}
    sections = {"§1", *(f"§1.{n}" for n in range(1, 9)), "§2", "§3", *(f"§3.{n}" for n in range(1, 6))}
    wanted = ids | sections
    assert wanted <= anchors("CONTRACT"), sorted(wanted - anchors("CONTRACT"))


def test_the_citation_reader_reads_lists_ranges_and_invariants() -> None:
    text = ("(PATHWAY.md §1, §2, §6.1) PATHWAY R1, R13. CONTRACT.md S2 to S4 and CONTRACT.md §1.5 (C3–C5) "
            "and §1.1 (G2, G3); PATHWAY.md §4 safety invariants 1-2; PATHWAY.md §3 (CES), §6.2")
    assert list(citations(text)) == [
        ("PATHWAY", "§1"), ("PATHWAY", "§2"), ("PATHWAY", "§6.1"), ("PATHWAY", "R1"), ("PATHWAY", "R13"),
        ("CONTRACT", "S2"), ("CONTRACT", "S3"), ("CONTRACT", "S4"), ("CONTRACT", "§1.5"), ("CONTRACT", "C3"),
        ("CONTRACT", "C4"), ("CONTRACT", "C5"), ("CONTRACT", "§1.1"), ("CONTRACT", "G2"), ("CONTRACT", "G3"),
        ("PATHWAY", "§4"), ("PATHWAY", "invariant 1"), ("PATHWAY", "invariant 2"), ("PATHWAY", "§3")]
    assert list(citations("(STYLE.md habits 2–3) STYLE.md layout")) == [
        ("STYLE", "habit 2"), ("STYLE", "habit 3"), ("STYLE", "layout")]
    assert not resolves("PATHWAY", "R4") and not resolves("CONTRACT", "C17") and resolves("PATHWAY", "R3")


def test_every_cited_id_resolves_in_the_specification() -> None:
    unresolved, count = [], 0
    for path, text in citing_texts().items():
        for name, anchor in citations(text):
            count += 1
            if not resolves(name, anchor):
                unresolved.append(f"{path.relative_to(ROOT)}: {name}.md {anchor}")
    assert count > 250, f"only {count} citations found: is the reader broken?"
    assert not unresolved, "\n".join(sorted(set(unresolved)))


def test_every_test_named_for_an_id_names_a_real_one() -> None:
    """``test_r12_…`` in the pathway tests is PATHWAY.md R12; elsewhere ``test_c4_…`` is CONTRACT.md C4."""
    wrong = []
    for path, text in citing_texts().items():
        parts = path.relative_to(ROOT).parts
        if parts[0] != "tests" or path.suffix != ".py":
            continue
        for letter, number in TEST_NAMED_FOR_ID.findall(text):
            name = "PATHWAY" if letter == "r" and "pathway" in parts else "CONTRACT"
            if not resolves(name, f"{letter.upper()}{number}"):
                wrong.append(f"{path.relative_to(ROOT)}: test_{letter}{number}_ ({name}.md)")
    assert not wrong, "\n".join(wrong)


def test_no_file_links_outside_the_repository_or_cites_a_tracker_issue() -> None:
    """Nor a citation of CODES.md under the name it had outside the repository."""
    found = []
    for path, text in all_texts().items():
        if path == Path(__file__).resolve():
            continue
        for pattern in (OUTSIDE_LINK, TRACKER, OLD_NAME):
            for match in pattern.finditer(text):
                found.append(f"{path.relative_to(ROOT)}:{line_of(text, match.group(0))}: {match.group(0)}")
    assert not found, "\n".join(found)


def test_every_relative_markdown_link_leads_to_a_file() -> None:
    broken = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
        for target in MARKDOWN_LINK.findall(text):
            if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue  # absolute URL, mailto:, or an anchor in the same page
            if not (path.parent / target.split("#")[0]).exists():
                broken.append(f"{path.relative_to(ROOT)}: {target}")
    assert not broken, "\n".join(broken)

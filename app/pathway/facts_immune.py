"""Infection flags (PATHWAY.md §3 infection) recorded as a drug on the medication list, or as the
transplant operation that made the patient a recipient. PURE.

* **Immunosuppression**: a current systemic immunosuppressant — a transplant recipient's tacrolimus or
  mycophenolate, a rheumatology patient's methotrexate or adalimumab — is immunosuppression, as its
  ICD-10-CM code (Z79.6x long-term immunosuppressant use) already is.
* **Injection drug use** (tenth pass): a current drug for opioid use disorder — buprenorphine with or
  without naloxone, an opioid-use-disorder methadone product (``opioid_use_disorder_drug.json``) — is opioid
  dependence, F11.2x, which §3 reads as intravenous drug use. A buprenorphine product made for pain (a
  transdermal system, a buccal film without naloxone, the 0.3 mg/mL injection) is none.
* **Transplant** (twelfth pass): a solid organ or allogeneic graft recorded only by its Procedure, as
  Synthea records a kidney transplant (``organ_transplant_procedure.json``), is the recipient's status
  Z94.x that §3 reads as immunosuppression, whatever its age.

Data compromises (docs/pathway-facts.md "Ninth pass: infection", "Tenth pass: injection drug use"): §3 names
these flags by their codes and gives no drug list; reading the drug is reading the same fact where the chart
records it (§2), on the safe side — the flag asks for an urgent MRI, never a defer. "Current": a
prescription or statement still active (or on hold), or one whose course (its end, else its start) reached
into the last ``episode_gap_days`` — the immune system takes months to recover from most immunosuppressants,
and opioid dependence in early remission is still F11.2x — or an undated one ("date not recorded":
removing a date never makes the answer less safe, invariant 6). A drug given locally (a cyclosporine eye
emulsion, a tacrolimus ointment: ``given_locally``) is no immunosuppression."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from app.chart.model import MedicationView
from app.pathway.facts_common import (
    Context,
    by_code_or_name,
    dated,
    drug_name,
    given_locally,
    treating_procedures,
)
from app.pathway.facts_dates import last_day, possibly_by
from app.pathway.facts_match import memoisable, words_memoisable
from app.pathway.model import Evidence, Finding, RedFlag, State
from app.terminology import Coding, ValueSets

__all__ = ["drug_flags", "transplant_flags"]

_CURRENT = frozenset({"active", "on-hold"})
# Buprenorphine for pain (BuTrans, Belbuca, Buprenex and their generic forms), unless the words also name
# a product or use for opioid use disorder: naloxone, a sublingual form, an OUD brand ("Bunavail" is a
# buprenorphine/naloxone buccal film, "Sublocade" a monthly injection).
_FOR_PAIN = re.compile(r"\b(?:transdermal|patch(?:es)?|buccal|butrans|belbuca|buprenex|inj\w*|cartridge"
                       r"|topical)\b", re.IGNORECASE)
_FOR_OUD = re.compile(r"\b(?:naloxone|sublingual|sl|suboxone|zubsolv|bunavail|subutex|sublocade|brixadi"
                      r"|probuphine|opioid use disorder|oud|opioid dependence|extended[- ]release)\b",
                      re.IGNORECASE)


def drug_flags(ctx: Context) -> Iterator[tuple[RedFlag, Evidence]]:
    """§3 infection: a current systemic immunosuppressant (immunosuppression) and a current drug for opioid
    use disorder (intravenous drug use: F11 dependence), each begun by the order date. Each drug is read
    once for both (``_classes``, memoised by its codes and words: a medication list repeats across calls)."""
    for m in ctx.chart.medications:
        if not m.taken or not possibly_by(m.start, ctx.order_date) or not _current(ctx, m):
            continue
        codings, routes = tuple(m.codings), tuple(m.route_texts)
        read = _classes if memoisable(codings, m.text) and words_memoisable(routes) else _classes.__wrapped__
        immune, opioid = read(ctx.vs, codings, m.text, routes)
        if immune is not None and not given_locally(ctx, m):
            yield RedFlag.INFECTION, _evidence(Finding.IMMUNOSUPPRESSION, m, immune)
        if opioid is not None:
            yield RedFlag.INFECTION, _evidence(Finding.IVDU, m, opioid)


def transplant_flags(ctx: Context) -> Iterator[tuple[RedFlag, Evidence]]:
    """§3 infection: the recipient of a transplant known by its operation (immunosuppression, Z94.x)."""
    for evidence in treating_procedures(ctx, "organ_transplant_procedure", Finding.IMMUNOSUPPRESSION):
        yield RedFlag.INFECTION, evidence


@lru_cache(maxsize=4096)  # bounded like facts_match's memos
def _classes(vs: ValueSets, codings: tuple[Coding, ...], text: str | None,
             routes: tuple[str, ...]) -> tuple[Coding | None, Coding | None]:
    """The immunosuppressant and the drug for opioid use disorder a medication is (by code, else by name),
    buprenorphine made for pain being none (``_for_pain``)."""
    immune = by_code_or_name(vs, "immunosuppressant", codings, (text,))
    opioid = by_code_or_name(vs, "opioid_use_disorder_drug", codings, (text,))
    return immune, None if opioid is None or _for_pain(codings, text, routes) else opioid


def _evidence(finding: Finding, m: MedicationView, coding: Coding) -> Evidence:
    state = State.FOUND if m.start is not None else State.DATE_NOT_RECORDED
    return Evidence(finding, m.reference, dated(m.start), coding, state=state, name=drug_name(m, coding))


def _for_pain(codings: tuple[Coding, ...], text: str | None, routes: tuple[str, ...]) -> bool:
    """A buprenorphine product made for pain, by the words of its name, displays and route."""
    words = " ".join(w for w in (text, *(c.display for c in codings), *routes) if w)
    return "buprenorphine" in words.casefold() and _FOR_PAIN.search(words) is not None \
        and _FOR_OUD.search(words) is None


def _current(ctx: Context, m: MedicationView) -> bool:
    """Still taken at the order date, or taken within ``episode_gap_days`` before it, or undated."""
    last = m.end or m.start
    if m.status in _CURRENT or last is None:
        return True
    return last_day(last) >= ctx.days_before(ctx.policy.episode_gap_days)

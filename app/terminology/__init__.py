"""Terminology: value sets as data files (PATHWAY.md §6), loaded once, matched purely."""

from app.terminology.coding import Coding
from app.terminology.valuefiles import load_value_sets
from app.terminology.valuesets import (
    CPT,
    ICD9CM,
    ICD10CM,
    IMAGING_CONCEPT,
    LOINC,
    NUCC,
    RXNORM,
    SNOMED,
    CodeRange,
    Contrast,
    ImagingCode,
    Member,
    Modality,
    Region,
    ValueSet,
    ValueSets,
    canonical_system,
    normalize_code,
)

__all__ = [
    "CPT",
    "ICD9CM",
    "ICD10CM",
    "IMAGING_CONCEPT",
    "LOINC",
    "NUCC",
    "RXNORM",
    "SNOMED",
    "CodeRange",
    "Coding",
    "Contrast",
    "ImagingCode",
    "Member",
    "Modality",
    "Region",
    "ValueSet",
    "ValueSets",
    "canonical_system",
    "load_value_sets",
    "normalize_code",
]

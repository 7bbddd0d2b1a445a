"""How an export names a code system, and how it writes a code: one spelling for each (PATHWAY.md §6).

Membership is on (system, code). ``canonical_system`` reads a known system however an export spells it
(docs/pathway-facts.md "How an export spells a code"): its OIDs, ``https``, a trailing slash, upper case, a
SNOMED CT edition URI, ICD-10 (WHO) read as ICD-10-CM, ICD-9-CM diagnoses by their URIs and OIDs. *(Twelfth
pass.)* Also by its name (``_NAMES``): HL7's v2 mnemonic (table 0396, the "Other" identifier of HL7
Terminology's NamingSystem: ``SCT``, ``I10``, ``LN``, ``RXNORM``, ``C4``), the UMLS source abbreviation
(``SNOMEDCT_US``, ``ICD10CM``, ``LNC``) or the plain name (``SNOMED CT``, ``ICD-10-CM``), as HL7 v2 feeds
converted to FHIR and CSV exports write it; and with a version after ``|`` (a canonical reference). A
site's own system (an Epic OID, a local URL, a word that names no standard) is never folded into one.
``normalize_code`` writes a code as the value sets hold it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Final

ICD10CM: Final = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED: Final = "http://snomed.info/sct"
CPT: Final = "http://www.ama-assn.org/go/cpt"
LOINC: Final = "http://loinc.org"
RXNORM: Final = "http://www.nlm.nih.gov/research/umls/rxnorm"
NUCC: Final = "http://nucc.org/provider-taxonomy"
SERVICE_TYPE: Final = "http://terminology.hl7.org/CodeSystem/service-type"
# ICD-10-PCS, the inpatient procedure codes of a hospital's export (FHIR's registered URI): a listed code of
# three or four characters (0SG0, fusion of a lumbar vertebral joint) matches the seven-character codes
# under it, as an ICD-10-CM header does.
ICD10PCS: Final = "http://www.cms.gov/Medicare/Coding/ICD10"
# ICD-9-CM diagnoses (FHIR's registered URI), as legacy problem lists carry them (344.61, V10.3). Only
# red-flag value sets list ICD-9-CM codes (never a qualifying diagnosis: a red flag found is never a defer,
# while scope stays as PATHWAY.md §6.1 writes it). A header (344.6) matches its children, as in ICD-10-CM.
ICD9CM: Final = "http://hl7.org/fhir/sid/icd-9-cm"

# The code systems a value set file may use (a site-extensible concept also takes the site's own).
KNOWN_SYSTEMS: Final = frozenset({
    ICD10CM, SNOMED, CPT, LOINC, RXNORM, NUCC, SERVICE_TYPE, ICD10PCS, ICD9CM,
})
BY_PREFIX: Final = frozenset({ICD10CM, ICD10PCS, ICD9CM})
# Systems whose value sets may hold 3-character category ranges (C00-C96; ICD-9-CM 140-208).
BY_RANGE: Final = frozenset({ICD10CM, ICD9CM})
_ALIASES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "http://hl7.org/fhir/sid/icd-10": ICD10CM,
        "urn:oid:2.16.840.1.113883.6.3": ICD10CM,  # ICD-10 (WHO), read as the ICD-10 URI above is
        "urn:oid:2.16.840.1.113883.6.90": ICD10CM,
        "urn:oid:2.16.840.1.113883.6.96": SNOMED,
        "urn:oid:2.16.840.1.113883.6.12": CPT,
        # HCPCS: Level I *is* CPT, and claims-shaped exports send CPT codes under the HCPCS URI or OIDs (all
        # levels .6.14, Level II .6.285). Level II codes start with a letter, so none can collide with CPT's.
        "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets": CPT,
        "http://www.cms.gov/medicare/coding/hcpcsreleasecodesets": CPT,
        "urn:oid:2.16.840.1.113883.6.14": CPT,
        "urn:oid:2.16.840.1.113883.6.285": CPT,
        "urn:oid:2.16.840.1.113883.6.1": LOINC,
        "urn:oid:2.16.840.1.113883.6.88": RXNORM,
        "urn:oid:2.16.840.1.113883.6.4": ICD10PCS,
        "http://www.cms.gov/medicare/coding/icd10": ICD10PCS,
        # the URI many exports and tools write for ICD-10-PCS beside HL7's icd-10-cm (claims, EHR bridges)
        "http://hl7.org/fhir/sid/icd-10-pcs": ICD10PCS,
        # ICD-9-CM diagnoses: HL7's OID (.6.103; .6.2 is ICD-9-CM as a whole, sent for diagnoses), and the
        # diagnosis URI claims exports write (CMS Blue Button). Never .6.104, the ICD-9-CM *procedure* codes:
        # without their dot "14.01" (an eye operation) would read as the category 140 (a cancer of the lip).
        "urn:oid:2.16.840.1.113883.6.103": ICD9CM,
        "urn:oid:2.16.840.1.113883.6.2": ICD9CM,
        "http://hl7.org/fhir/sid/icd-9-cm/diagnosis": ICD9CM,
        "http://hl7.org/fhir/sid/icd-9": ICD9CM,  # the DSTU2/STU3 examples' URI (V17.3, 428.0, 850.0)
        "http://terminology.hl7.org/codesystem/icd9cm": ICD9CM,  # HL7 terminology's URI of .6.2 (folded)
    }
)
_CANONICAL: Final = frozenset({*KNOWN_SYSTEMS, *_ALIASES})
_CPT_MODIFIED: Final = re.compile(r"(\d{4}[0-9FTU])(?:[- ][0-9A-Za-z]{2})+")
_BARE_OID: Final = re.compile(r"[0-2](?:\.\d+)+")
# A SNOMED CT edition or version URI written where the system belongs (FHIR puts it in Coding.version).
_SNOMED_EDITION: Final = re.compile(r"http://snomed\.info/sct/\d+(?:/version/\d+)?")

# A system named by a word, folded (case, spaces, ``-``, ``_``, ``.`` and ``/`` dropped: "SNOMED CT",
# "SNOMED-CT" and "SNOMEDCT" are one): HL7's v2 mnemonics (table 0396), the UMLS source abbreviations and
# the plain names. ICD-10 (WHO) is ICD-10-CM, as its URI is. Never ICD-9-CM *procedures* (v2 ``I9CP``): see
# .6.104 above.
_NAMES: Final[Mapping[str, str]] = MappingProxyType({
    **dict.fromkeys(("sct", "snomed", "snomedct", "snomedctus", "snomedctinternational"), SNOMED),
    **dict.fromkeys(("i10", "i10c", "icd10", "icd10cm", "icd10who"), ICD10CM),
    **dict.fromkeys(("i9", "i9c", "i9cdx", "icd9", "icd9cm", "icd9cmdx", "icd9cmdiagnosis"), ICD9CM),
    **dict.fromkeys(("ln", "lnc", "loinc"), LOINC),
    **dict.fromkeys(("rxnorm", "rxn"), RXNORM),
    **dict.fromkeys(("c4", "cpt", "cpt4", "hcpcs"), CPT),
    **dict.fromkeys(("i10p", "icd10pcs"), ICD10PCS),
})
# A SNOMED CT identifier (6 to 18 digits) followed by its term: after a space, a bar, a colon or a hyphen.
_SCTID_WITH_TERM: Final = re.compile(r"(\d{6,18})(?=[\s|:,;(\-])")
_QUOTES: Final = "\"'"
_NAME_SPACING: Final = re.compile(r"[\s\-_./]+")
_NAME_LIKE: Final = re.compile(r"[A-Za-z][A-Za-z0-9 \-_./]{0,39}")


def canonical_system(system: str) -> str:
    """The canonical URI of a code system: EHRs also send OIDs, and the ICD-10 URI for ICD-10-CM codes.
    A known URI or OID written loosely (``https``, a trailing slash, upper case, an OID without
    ``urn:oid:``, a SNOMED CT edition URI, a version after ``|``) or by its name (``_NAMES``) is the same
    system (``_loose``); anything else is kept as it is, so a site's own code system still matches only
    itself."""
    stripped = system.strip()
    found = _ALIASES.get(stripped)
    if found is not None:
        return found
    return stripped if stripped in KNOWN_SYSTEMS else _loose(stripped)


@lru_cache(maxsize=1024)  # bounded; systems are at most 256 characters (app/fhir/datatypes.py)
def _loose(system: str) -> str:
    """Every known system URI and OID is lower case, so a looser spelling is folded before the look-up;
    a site's own system (an Epic OID, a local URL) folds to nothing known and is returned unchanged."""
    if _NAME_LIKE.fullmatch(system):  # no ``:``: a name, never a URI or an OID
        return _NAMES.get(_NAME_SPACING.sub("", system.casefold()), system)
    folded = system.casefold().partition("|")[0].rstrip("/")  # ``url|version``: a canonical reference
    if folded.startswith("https://"):
        folded = "http://" + folded[len("https://"):]
    if _BARE_OID.fullmatch(folded):
        folded = "urn:oid:" + folded
    if _SNOMED_EDITION.fullmatch(folded):
        return SNOMED
    if folded in _CANONICAL:
        return _ALIASES.get(folded, folded)
    return system


def normalize_code(system: str, code: str) -> str:
    """ICD-10-CM codes arrive as `m54.16`, `M5416` or ` M54.16 `: compare upper case, without dots or
    whitespace (a description after the code, "G83.4 Cauda equina syndrome", is read by the header rule as
    any character after a listed code is). Other systems compare exactly, after stripping surrounding
    whitespace and quotes; a SNOMED CT concept written with its term, as SNOMED CT's compositional grammar
    writes it (``192970008 |Cauda equina syndrome|``) or as a spreadsheet does ("192970008 - Cauda equina
    syndrome"), is its identifier."""
    code = code.strip().strip(_QUOTES)  # a CSV conversion's quotes kept in the value: '"G83.4"'
    if system in BY_PREFIX:
        return "".join(code.split()).replace(".", "").upper()
    if system == CPT:
        return _cpt_without_modifiers(code.strip())
    if system == SNOMED and not code.isdigit():
        found = _SCTID_WITH_TERM.match(code)
        return found.group(1) if found else code.strip()
    return code.strip()


def _cpt_without_modifiers(code: str) -> str:
    """A CPT code with its billing modifiers written into it (``72148-26`` the reading of a lumbar MRI,
    ``97110-GP`` physical therapy under a therapy plan) is the same service: a modifier is two characters
    after a hyphen or a space, and a CPT code is five (four digits, then a digit or F, T or U)."""
    found = _CPT_MODIFIED.fullmatch(code) if len(code) > 5 else None
    return found.group(1) if found else code



"""Patient identity of prefetched and fetched resources (PATHWAY.md safety invariant 7). PURE.

Every resource used must belong to ``context.patientId``. Checked on the raw resources of one prefetch
key (or one fetched key), before any view is built:

* the ``patient`` key must hold that patient: a Patient with another id makes the key unusable;
* any other key: a Patient resource with another id (a stray entry, e.g. a child's record in a family
  Bundle) is set aside and never becomes the patient; a clinical resource whose ``subject`` or ``patient``
  names another patient (or a Group) is set aside, and so the key is not whole: only the resources that
  name this patient are read from it (her own cauda equina is not lost with the stranger's record), and
  with none of those the key is unusable. A record of her merged-away id (``Patient.link``) is hers.

A ``urn:uuid:`` reference is resolved through the prefetch Bundles' ``fullUrl``s (``owner_aliases``):
transaction-shaped exports (Synthea, bulk-data conversions) name the subject that way, so another
patient's Patient entry beside Conditions pointing at it makes the key unusable. The type in a reference
is read case-insensitively for Patient (``patient/123`` is still a patient). A reference with a host is
compared by id only, whatever the host: one EHR serves its FHIR API under several base URLs (a load
balancer's name, an interconnect path), so the host says nothing about whose record it is.

An owner written as a bare string (``"subject": "Patient/9"``) or a bare id (``"reference": "9"``) is read
as the reference it is (``_owner_target``). A reference that names no id and cannot be resolved (an unknown
``urn:uuid:…``, ``#contained``, a conditional ``Patient?identifier=…``, an identifier or a display only, no
owner at all) cannot be checked and is kept: a prefetch Bundle rarely uses them, and dropping them would
hide data (docs/fhir-access.md "Eighth pass").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

from app.chart.references import reference_target as reference_target
from app.immutable import immutable

Resource = Mapping[str, Any]
PATIENT_KEY = "patient"
_OWNER_FIELDS = ("subject", "patient")
_OWNER_TYPES = frozenset({"Patient", "Group"})
Aliases = Mapping[str, tuple[str, str]]


@immutable
class IdentityCheck:
    """What one key's resources say: those to keep, how many of another patient, and whether the key
    is unusable (``refused``: the reason) or only partly usable (``partial``: the reason; ``kept`` then
    holds only the resources that name this patient)."""

    kept: tuple[Resource, ...]
    foreign: int = 0
    refused: str | None = None
    partial: str | None = None


_PARTIAL = "held resources of another patient, set aside; only those naming this patient are used"


def check_key(key: str, resources: Sequence[Resource], patient_id: str,
              aliases: Aliases | None = None) -> IdentityCheck:
    """Invariant 7 for one key's resources (see the module docstring); ``aliases``: ``owner_aliases``.

    A key that mixes this patient's resources with another patient's keeps the ones that name this patient
    (by reference, ``urn:uuid``, identifier or a merged record's id) and is *partial*: the others are set
    aside, and so are those whose owner cannot be checked (in a mixed key they may be the other patient's).
    Refusing the whole key lost the patient's own cauda equina with it: a 412, or "could not check" with no
    critical card (docs/pathway-facts.md "Eleventh pass: identity, statuses and Bundle shapes")."""
    kept: list[Resource] = []
    named: list[Resource] = []  # of ``kept``: the resources that name this patient, or are her Patient
    foreign = 0
    clinical_foreign = False
    own = f"Patient/{patient_id}"
    for resource in resources:
        if resource.get("resourceType") == "Patient":
            found = resource.get("id")
            if found in (patient_id, None) or _linked(("Patient", str(found)), patient_id, aliases):
                kept.append(resource)  # no id: malformed, skipped later; linked: hers, never the patient
                named.append(resource)
            else:
                foreign += 1
        elif _names_patient(resource, own):  # the usual case, one string compare: a chart has thousands
            kept.append(resource)
            named.append(resource)
        elif (verdict := owner_verdict(resource, patient_id, aliases)) is False:
            foreign += 1
            clinical_foreign = True
        else:
            kept.append(resource)
            if verdict:
                named.append(resource)
    if clinical_foreign and named and key != PATIENT_KEY:
        return IdentityCheck(tuple(named), foreign, partial=_PARTIAL)
    return IdentityCheck(tuple(kept), foreign, _refusal(key, foreign, clinical_foreign, patient_id, kept))


def _refusal(key: str, foreign: int, clinical_foreign: bool, patient_id: str,
             kept: Sequence[Resource]) -> str | None:
    """Why the key is unusable. The ``patient`` key is, when it holds no Patient of this id: beside hers,
    another Patient (``Patient?_id=…&_include=…``, a family Bundle) is only set aside, like a stray."""
    if clinical_foreign:
        return "holds resources of another patient; none of them is used"
    if key == PATIENT_KEY and foreign and not any(r.get("id") == patient_id for r in kept):
        return "the Patient is another patient than context.patientId"
    return None


def _names_patient(resource: Resource, own: str) -> bool:
    owner = resource.get("subject") or resource.get("patient")
    return isinstance(owner, dict) and owner.get("reference") == own and "patient" not in resource


def names_another_patient(resource: Resource, patient_id: str, aliases: Aliases | None = None) -> bool:
    """``subject``/``patient`` is a reference to a resource other than ``Patient/<patient_id>``."""
    return owner_verdict(resource, patient_id, aliases) is False


def owner_verdict(resource: Resource, patient_id: str, aliases: Aliases | None = None) -> bool | None:
    """Whose record ``resource`` is: ``False`` when an owner field names another patient (or a Group),
    ``True`` when the owner fields that name anyone all name this patient, ``None`` when none can be
    checked. A merged record's other id (``Patient.link``, ``owner_aliases``) is this patient's."""
    verdict = None
    for name in _OWNER_FIELDS:
        owner = resource.get(name)
        # a list of references (a hand-rolled export's ``"subject": [{…}]``) is read item by item
        for one in owner if isinstance(owner, list) else () if owner is None else (owner,):
            target = _owner_target(one, aliases) or _by_identifier(one, resource, aliases)
            if target is None:
                continue
            if target != ("Patient", patient_id) and not _linked(target, patient_id, aliases):
                return False
            verdict = True
    return verdict


_LINKED = "linked "  # an alias key no reference can be: a space is in no id or URL


def _linked(target: tuple[str, str], patient_id: str, aliases: Aliases | None) -> bool:
    return aliases is not None and target[0] == "Patient" and aliases.get(f"{_LINKED}{target[1]}") == (
        "Patient", patient_id)


_IDENTIFIER = "identifier "  # an alias key no reference can be: a space is in no id or URL


def _by_identifier(owner: object, resource: Resource, aliases: Aliases | None) -> tuple[str, str] | None:
    """The patient an owner names by business identifier: its ``identifier`` (a Reference with no
    ``reference``, as document conversions write it), or a contained Patient's (``#p``). Known from the
    prefetched Patients (``owner_aliases``): a Patient holding it, else another patient when this
    patient is known under that system with another value (a second MRN). Else ``None``: unknown."""
    if not aliases or not isinstance(owner, dict):
        return None
    reference = owner.get("reference")
    if isinstance(reference, str) and reference.startswith("#"):
        named = [c for c in _array(resource.get("contained")) if isinstance(c, dict)
                 and c.get("resourceType") == "Patient" and c.get("id") == reference[1:]]
        identifiers = [i for patient in named for i in _array(patient.get("identifier"))]
    else:
        identifiers = [owner.get("identifier")]
    targets = [t for t in (_identifier_target(i, aliases) for i in identifiers) if t is not None]
    resolved = [t for t in targets if not t[1].startswith(_IDENTIFIER)]  # a Patient holding it decides
    return next(iter(resolved or targets), None)


def _identifier_target(identifier: object, aliases: Aliases) -> tuple[str, str] | None:
    system = identifier.get("system") if isinstance(identifier, dict) else None
    value = identifier.get("value") if isinstance(identifier, dict) else None
    if not isinstance(system, str) or not isinstance(value, str) or not value.strip():
        return None
    known = aliases.get(f"{_IDENTIFIER}{system.strip()}|{value.strip()}")
    if known is not None:
        return known
    another = ("Patient", f"{_IDENTIFIER}{value.strip()}")
    return another if f"{_IDENTIFIER}{system.strip()}" in aliases else None


def _array(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _owner_target(owner: object, aliases: Aliases | None) -> tuple[str, str] | None:
    """``(type, id)`` an owner field names. Besides a Reference's ``reference``: the reference written as
    a bare string (``"subject": "Patient/9"``, as hand-rolled and DSTU1-era exports write it), and a bare
    id (``"reference": "9"``) — a patient's, unless the Reference's ``type`` names another type: the
    owner fields of the types read name a Patient or a Group, and a bare id compared as nothing let
    another patient's record through. A conditional reference (``Patient?identifier=…``) names no id."""
    reference = owner.get("reference") if isinstance(owner, dict) else owner
    if not isinstance(reference, str) or not reference.strip():
        return None
    text = reference.strip()
    target = (aliases.get(text) if aliases else None) or reference_target(text)
    if target is not None or "/" in text or "?" in text or text.startswith(("urn:", "#")):
        return target
    kind = owner.get("type") if isinstance(owner, dict) else None
    named = kind.rsplit("/", 1)[-1] if isinstance(kind, str) and kind.strip() else "Patient"
    return named, text


def owner_aliases(values: Iterable[Any], patient_id: str | None = None) -> dict[str, tuple[str, str]]:
    """``urn:`` ``fullUrl`` → ``(type, id)`` of every Patient or Group entry of the Bundles in ``values``
    (the prefetch): how a transaction-shaped export's ``subject: urn:uuid:…`` is resolved. And each
    prefetched Patient's identifiers (``_by_identifier``): ``identifier <system>|<value>`` → the Patient,
    and ``identifier <system>`` for each system ``patient_id``'s own Patient is known under."""
    aliases: dict[str, tuple[str, str]] = {}
    for url, kind, resource in _owner_entries(values):
        found = resource.get("id")
        if not isinstance(found, str) or not found:  # no id: nothing to compare
            continue
        if kind == "Patient":
            _identifier_aliases(aliases, found, resource, found == patient_id)
        if kind == "Patient" and found == patient_id:
            _link_aliases(aliases, resource, patient_id)
        if isinstance(url, str) and url.startswith("urn:"):
            aliases[url.strip()] = (kind, found)
    return aliases


def _owner_entries(values: Iterable[Any]) -> Iterator[tuple[object, str, Resource]]:
    """``(fullUrl, type, resource)`` of every Patient or Group in ``values``: bare, or a Bundle's entry."""
    for value in values:
        entries = value.get("entry") if isinstance(value, dict) else None
        for entry in entries if isinstance(entries, list) else [{"resource": value}]:
            resource = entry.get("resource") if isinstance(entry, dict) else None
            kind = resource.get("resourceType") if isinstance(resource, dict) else None
            # a type that is a list is unhashable: str first
            if isinstance(kind, str) and kind in _OWNER_TYPES and isinstance(resource, dict):
                yield entry.get("fullUrl"), kind, resource


def _identifier_aliases(aliases: dict[str, tuple[str, str]], found: str, patient: Resource,
                        own: bool) -> None:
    """This patient's identifiers win over another Patient's listing the same one (a merged duplicate)."""
    for identifier in _array(patient.get("identifier")):
        system = identifier.get("system") if isinstance(identifier, dict) else None
        value = identifier.get("value") if isinstance(identifier, dict) else None
        if not isinstance(system, str) or not isinstance(value, str) or not value.strip():
            continue
        key = f"{_IDENTIFIER}{system.strip()}|{value.strip()}"
        if own:
            aliases[key] = ("Patient", found)
            aliases[f"{_IDENTIFIER}{system.strip()}"] = ("Patient", found)
        else:
            aliases.setdefault(key, ("Patient", found))


def _link_aliases(aliases: dict[str, tuple[str, str]], patient: Resource, patient_id: str) -> None:
    """``linked <id>`` → this patient, for each Patient her own record links (``Patient.link.other``):
    every R4 link type — ``replaces``, ``replaced-by``, ``refer``, ``seealso`` — "concerns the same actual
    patient". An EHR merge leaves records filed under the merged-away id, and a search may return them:
    read as another patient's, they made the whole key unusable (a 412, her cauda equina lost). A
    RelatedPerson link is not her."""
    for link in _array(patient.get("link")):
        other = link.get("other") if isinstance(link, dict) else None
        reference = other.get("reference") if isinstance(other, dict) else None
        target = reference_target(reference) if isinstance(reference, str) else None
        if target is not None and target[0] == "Patient" and target[1] != patient_id:
            aliases[f"{_LINKED}{target[1]}"] = ("Patient", patient_id)


_SEARCH_OWNERS = frozenset({"patient", "subject", "patient:Patient", "subject:Patient"})


@immutable
class SearchRefusal:
    """Why a prefetched search is not usable; ``another_patient``: it searched someone else (the
    evaluation then says the data was inconsistent), not merely a template left unfilled."""

    why: str
    another_patient: bool


def names_other_patient(text: str, patient_id: str) -> bool:
    """An id (``123``) or a reference (``Patient/123``, a URL, ``patient/123``) naming a patient other than
    ``patient_id``. Text that names nobody (blank, ``Patient/``, ``urn:…``) names no other patient: one
    rule for a token's ``fhirAuthorization.patient`` and a search's ``self`` link alike."""
    text = text.strip()
    if not text or text.startswith(("urn:", "#")):
        return False
    target = reference_target(text) if "/" in text else ("Patient", text)
    return target is not None and target != ("Patient", patient_id)


def search_refusal(value: Any, patient_id: str) -> SearchRefusal | None:
    """Why a prefetched search Bundle is not this patient's, read from its ``self`` link (which a server
    writes as the search it ran): another patient in ``patient``/``subject`` — an empty search for
    someone else is not "none on record" for this patient — or a ``{{token}}`` the client never filled
    (CONTRACT.md P2). ``None``: nothing says so (most Bundles; no ``self`` link)."""
    link = _self_link(value)
    if link is None:
        return None
    if "{{" in link or "%7b%7b" in link.lower():
        return SearchRefusal("the CDS client did not fill the prefetch template's tokens", False)
    query = link.partition("?")[2].partition("#")[0]  # not urlsplit: a malformed host must not raise
    for name, text in parse_qsl(query):
        if name not in _SEARCH_OWNERS:  # a chained or :identifier parameter names no id to compare
            continue
        if any(names_other_patient(item, patient_id) for item in text.split(",")):
            return SearchRefusal("is a search for another patient than context.patientId", True)
    return None


def _self_link(value: Any) -> str | None:
    links = value.get("link") if isinstance(value, dict) and value.get("resourceType") == "Bundle" else None
    for link in links if isinstance(links, list) else ():
        if isinstance(link, dict) and link.get("relation") == "self" and isinstance(link.get("url"), str):
            return str(link["url"])
    return None

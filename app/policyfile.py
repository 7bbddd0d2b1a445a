"""The site ``Policy`` (PATHWAY.md *policy* values) read from a YAML file, with errors a person can act on.

Outside ``app/pathway`` on purpose: the pathway is pure and never reads files. The file must name its
``version`` (stamped on every evaluation in the audit trail), may set any other PATHWAY.md policy value and
nothing else: an unknown key is an error, not a silent no-op, because a misspelt threshold would otherwise
leave the default in force. Values are checked strictly — ``42.5`` days or ``yes`` for a number is refused.
Problems are stated as for every content file (app/contentfile.py): ``field: message``, all at once.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from app.contentfile import problem
from app.pathway.policy import Policy

_POLICY = TypeAdapter(Policy)  # the values, defaults and bounds: declared once, on the pathway's Policy
_KNOWN = tuple(field.name for field in fields(Policy))


class PolicyFileError(ValueError):
    """Every problem found in one file, one per line."""


class _FileVersion(BaseModel):
    """What only a file must say: a version name (stamped on every evaluation in the audit trail)."""

    model_config = ConfigDict(extra="ignore")

    version: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:+-]*$")


_VERSION: TypeAdapter[_FileVersion] = TypeAdapter(_FileVersion)


def read_policy_file(path: Path) -> Policy:
    """Read and validate ``path``; ``PolicyFileError`` lists every problem with the file's name."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyFileError(f"policy file {path}: cannot read it ({exc})") from exc
    return parse_policy(text, source=str(path))


def parse_policy(text: str, *, source: str = "policy") -> Policy:
    data = _load_mapping(text, source)
    as_json = json.dumps(data, default=str)
    errors = _problems(_VERSION, as_json) + [
        error for error in _problems(_POLICY, as_json) if error["loc"] != ("version",)  # said once, above
    ]
    errors += [{"type": "extra_forbidden", "loc": (key,)} for key in data if key not in _KNOWN]
    if not errors:
        policy = _POLICY.validate_json(as_json, strict=True)
        errors = [{"msg": problem} for problem in _cross_problems(policy)]
        if not errors:
            return policy
    lines = [f"  - {_explained(error)}" for error in errors]
    raise PolicyFileError(f"policy file {source} is invalid:\n" + "\n".join(lines))


def _problems(schema: TypeAdapter[Any], as_json: str) -> list[dict[str, Any]]:
    """Checked strictly, as JSON: ``42.5`` days or ``yes`` for a number is refused."""
    try:
        schema.validate_json(as_json, strict=True)
    except ValidationError as exc:
        return [dict(error) for error in exc.errors()]
    return []


def _cross_problems(policy: Policy) -> list[str]:
    """R9: weak-flag radiographs become appropriate before the six-week deferral ends, not after it."""
    if policy.weak_flag_radiograph_days > policy.conservative_care_days:
        return [f"weak_flag_radiograph_days ({policy.weak_flag_radiograph_days}) cannot exceed "
                f"conservative_care_days ({policy.conservative_care_days}) (PATHWAY.md R9)"]
    return []


def differences_from_default(policy: Policy) -> dict[str, tuple[Any, Any]]:
    """``{name: (default, site value)}`` for each value the site changed (what `policy check` prints)."""
    default = asdict(Policy())
    return {
        name: (default[name], value)
        for name, value in asdict(policy).items()
        if name != "version" and value != default[name]
    }


def _load_mapping(text: str, source: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyFileError(f"policy file {source} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise PolicyFileError(f"policy file {source} must be a mapping of policy names to values")
    return data


def _explained(error: Any) -> str:
    """One problem as every content file states it (``field: message``, app/contentfile.py), with what a
    site needs to fix its file: the names it may use, a hint for the version, the value it gave."""
    kind = error.get("type")
    if kind == "extra_forbidden":
        message = f"unknown policy value (known: {', '.join(_KNOWN)})"
    elif kind == "missing":
        message = "required (name this policy, e.g. version: site-2026-01)"
    else:
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        if "input" in error and error.get("loc"):
            message += f" (got {error['input']!r})"
    return problem({**error, "msg": message})

"""The site ``Policy`` (PATHWAY.md *policy* values) read from a YAML file, with errors a person can act on.

Outside ``app/pathway`` on purpose: the pathway is pure and never reads files. The file must name its
``version`` (stamped on every evaluation in the audit trail), may set any other PATHWAY.md policy value and
nothing else: an unknown key is an error, not a silent no-op, because a misspelt threshold would otherwise
leave the default in force. Values are checked strictly — ``42.5`` days or ``yes`` for a number is refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Self

import yaml
from pydantic import ConfigDict, Field, ValidationError, model_validator

from app.settings import PolicySettings


class PolicyFileError(ValueError):
    """Every problem found in one file, one per line."""


class PolicyFile(PolicySettings):
    """``PolicySettings`` with no unknown keys, a required version and the cross-value checks."""

    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:+-]*$")

    @model_validator(mode="after")
    def _radiographs_before_mri(self) -> Self:
        """R9: weak-flag radiographs become appropriate before the six-week deferral ends, not after it."""
        if self.weak_flag_radiograph_days > self.conservative_care_days:
            raise ValueError(
                f"weak_flag_radiograph_days ({self.weak_flag_radiograph_days}) cannot exceed "
                f"conservative_care_days ({self.conservative_care_days}) (PATHWAY.md R9)"
            )
        return self


def read_policy_file(path: Path) -> PolicySettings:
    """Read and validate ``path``; ``PolicyFileError`` lists every problem with the file's name."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyFileError(f"policy file {path}: cannot read it ({exc})") from exc
    return parse_policy(text, source=str(path))


def parse_policy(text: str, *, source: str = "policy") -> PolicySettings:
    data = _load_mapping(text, source)
    try:
        checked = PolicyFile.model_validate_json(json.dumps(data, default=str), strict=True)
    except ValidationError as exc:
        lines = [f"  - {_where(error)}{_message(error)}" for error in exc.errors()]
        raise PolicyFileError(f"policy file {source} is invalid:\n" + "\n".join(lines)) from exc
    return PolicySettings.model_validate(checked.model_dump())


def differences_from_default(policy: PolicySettings) -> dict[str, tuple[Any, Any]]:
    """``{name: (default, site value)}`` for each value the site changed (what `policy check` prints)."""
    default = PolicySettings().model_dump()
    return {
        name: (default[name], value)
        for name, value in policy.model_dump().items()
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


def _where(error: Any) -> str:
    location = ".".join(str(part) for part in error.get("loc", ()))
    return f"{location}: " if location else ""


def _message(error: Any) -> str:
    if error.get("type") == "extra_forbidden":
        known = ", ".join(PolicySettings.model_fields)
        return f"unknown policy value (known: {known})"
    if error.get("type") == "missing":
        return "required (name this policy, e.g. version: site-2026-01)"
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{message} (got {error['input']!r})" if "input" in error and error.get("loc") else message

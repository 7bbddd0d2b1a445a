"""One way to check a content file: a strict pydantic model, its errors naming the file and the field.

Content is data (STYLE.md habit 6): value sets (app/terminology/data/*.json), card words (cards/*.toml)
and the site policy (app/policyfile.py) are read once at start-up, and a bad file must stop the service
with a message a person can act on — ``cards/source.toml: topics: missing SpineReferral`` — never let a
broken card or a silently missing code reach a clinician. Each file kind declares a pydantic model
(``ContentModel``: strict, unknown keys refused, cross-checks as validators); ``validated`` checks a
file's data against it and lists every problem on one line each.

Strict is checked on the JSON form of the data (as app/policyfile.py does): ``42.5`` or ``"yes"`` is
refused where a number or a flag is meant, while an enum member or a ``frozenset`` is still read from its
JSON spelling. Loading is once per process, so the pydantic cost is never on the hot path; the runtime
objects (``ValueSets``, ``CardLibrary``) are built from the checked models and stay as fast as before.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

M = TypeVar("M", bound=BaseModel)

# A word or name a file must give: a string with more than whitespace in it, read stripped.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class ContentModel(BaseModel):
    """Strict, no unknown keys, read-only: the base of every content file's model."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


def validated(model: type[M], data: Any, source: str, context: dict[str, Any] | None = None) -> M:
    """``data`` (a JSON file's bytes, or a file's parsed TOML) checked against ``model``; ``ValueError``
    names ``source`` and, for each problem, the field (``codes.0.system: …``); bytes that are not JSON
    are one such problem. ``context``: what the model's cross-checks need from other files."""
    text = data if isinstance(data, bytes) else json.dumps(data, default=str)
    try:
        return model.model_validate_json(text, strict=True, context=context)
    except ValidationError as exc:
        raise ValueError(f"{source}: " + "; ".join(problem(error) for error in exc.errors())) from exc


def problem(error: Any) -> str:
    """One pydantic error as ``field: message`` (the message without pydantic's "Value error, ")."""
    location = ".".join(str(part) for part in error.get("loc", ()))
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{location}: {message}" if location else message


def require(ok: bool, message: str) -> None:
    """A cross-check of a validator: pydantic reports the ``ValueError`` at the field it checks."""
    if not ok:
        raise ValueError(message)


def require_all(required: Iterable[Any], present: Iterable[Any], what: str) -> None:
    """Every one of ``required`` (enum members are compared by value) is in ``present``."""
    missing = {str(item) for item in required} - {str(item) for item in present}
    require(not missing, f"{what}: {', '.join(sorted(missing))}")

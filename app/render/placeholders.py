"""The ``{names}`` of a card template (cards/*.toml), read once per template."""

from __future__ import annotations

import string
from functools import lru_cache


@lru_cache(maxsize=1024)  # templates are the card library's few strings, filled on every call
def placeholders(template: str) -> frozenset[str]:
    """The ``{names}`` of a template; only plain identifiers (no attributes, indexes or formats)."""
    names = set()
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"placeholder {{{name}}} must be a plain name")
        names.add(name)
    return frozenset(names)

"""Names as EHRs write them — an order's, a service's, an operation's — in one normal form, each read once.

Shared by ``imaging_text`` and ``service_text``: upper case with punctuation as spaces ("W/O" → "W O",
"PM&R" → "PM R"), whole-word patterns, and a bounded memory of what a name said (names repeat: an EHR's
orderables and visit types are a finite catalogue). A name longer than any catalogue's is read each time and
never kept, so a hostile 400 kB display cannot pin memory.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["LONGEST_NAME_REMEMBERED", "Remembered", "normalized", "words"]
LONGEST_NAME_REMEMBERED = 200
_T = TypeVar("_T")


def words(*alternatives: str) -> re.Pattern[str]:
    """Any of ``alternatives`` as whole words of a ``normalized`` name."""
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


def normalized(text: str) -> str:
    """Upper case, punctuation as spaces, one space between words."""
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", text.upper()).split())


class Remembered(Generic[_T]):
    """``read`` of a name's normal form, remembered for 4,096 names of at most ``LONGEST_NAME_REMEMBERED``
    characters; a longer name is read each time."""

    def __init__(self, read: Callable[[str], _T]) -> None:
        self._read = read
        self._memo = functools.lru_cache(maxsize=4096)(self._normal_read)

    def __call__(self, text: str) -> _T:
        return self._memo(text) if len(text) <= LONGEST_NAME_REMEMBERED else self._normal_read(text)

    def cache_info(self) -> functools._CacheInfo:
        return self._memo.cache_info()

    def _normal_read(self, text: str) -> _T:
        return self._read(normalized(text))

"""A one-line progress bar on stderr (rewritten in place on a terminal, a line per tenth otherwise)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

_WIDTH = 30


class ProgressBar:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()
        self._last: tuple[str, int] | None = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        share = done / total if total else 1.0
        tty = self.stream.isatty()
        step = (phase, int(share * (100 if tty else 10)))
        if step == self._last:
            return
        self._last = step
        filled = int(share * _WIDTH)
        bar = "#" * filled + "." * (_WIDTH - filled)
        text = f"{phase:>7} [{bar}] {share:4.0%} {done}/{total}  {time.monotonic() - self.started:5.0f} s"
        self.stream.write(("\r" + text + ("\n" if share >= 1 else "")) if tty else text + "\n")
        self.stream.flush()


def silent(phase: str, done: int, total: int) -> None:
    """For callers (tests, Spark's Python workers) that want no output."""

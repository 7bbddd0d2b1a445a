"""The Dockerfile read as data: instructions in order, with line continuations joined and comments dropped.

Enough of the Dockerfile grammar for the static checks in test_dockerfile.py: JSON (exec) form and shell
form arguments, ``KEY=value`` pairs of ENV, and the stages. No Docker engine is needed.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Instruction:
    keyword: str
    text: str

    def exec_form(self) -> list[str]:
        """The arguments of a JSON-array instruction (CMD, HEALTHCHECK ... CMD, VOLUME), else shell-split."""
        text = self.text.split(" CMD ", 1)[1].strip() if self.keyword == "HEALTHCHECK" else self.text
        if text.startswith("["):
            parsed: list[str] = json.loads(text)
            return parsed
        return shlex.split(text)


def read_dockerfile(path: Path) -> list[Instruction]:
    instructions, pending = [], ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        pending += (" " if pending else "") + line.removesuffix("\\").strip()
        if not line.endswith("\\"):
            keyword, _, text = pending.partition(" ")
            instructions.append(Instruction(keyword.upper(), text.strip()))
            pending = ""
    return instructions


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    last_from = max(i for i, ins in enumerate(instructions) if ins.keyword == "FROM")
    return instructions[last_from:]


def env_of(instructions: list[Instruction]) -> dict[str, str]:
    env: dict[str, str] = {}
    for ins in instructions:
        if ins.keyword == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(ins.text))  # type: ignore[arg-type]
    return env


def build_args(instructions: list[Instruction]) -> dict[str, str]:
    """Global ``ARG name=default`` values, as FROM lines may use them."""
    return dict(ins.text.split("=", 1) for ins in instructions if ins.keyword == "ARG" and "=" in ins.text)

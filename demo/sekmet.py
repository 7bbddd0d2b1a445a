"""How this project runs SEKMET (a real FHIR R4 server from PyPI) everywhere: tests, demo, bench.

In memory, simulator off (it would otherwise fulfil our ServiceRequests by itself), no authentication,
inbound validation off, and ``base_url`` on the real loopback port so its ``next`` links point back at it.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml


def write_config(path: Path, host: str, port: int, data_dir: Path, *, traffic_log: bool = False) -> str:
    """Write SEKMET's settings file; return the FHIR base URL it will serve."""
    base = f"http://{host}:{port}/fhir"
    path.write_text(yaml.safe_dump({
        "host": host, "port": port, "base_url": base, "db_path": ":memory:",
        "data_dir": str(data_dir), "simulator": {"enabled": False},
        "server_auth": {"types": ["none"]}, "validation": {"inbound": "off"}, "log_inbound": traffic_log,
    }))
    return base


def environment() -> dict[str, str]:
    """The caller's environment without SEKMET_* variables, which would override the settings file."""
    return {key: value for key, value in os.environ.items() if not key.startswith("SEKMET_")}

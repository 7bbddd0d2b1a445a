"""How long can one large hook call keep ``/healthz`` waiting? (docs/security.md, "Limits")

Starts ``spine-cds serve`` on a free loopback port (development profile, SQLite in a temporary
directory, authentication off), sends the example chart grown to ``--megabytes`` of conditions
``--calls`` times from two client threads, and meanwhile asks ``/healthz`` every 10 ms from a third. Prints
the health probes' wait: median, p99 and maximum. Bounded: about half a minute.

    .venv/bin/python scripts/loop_stall.py --megabytes 4.4
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def chart(megabytes: float) -> bytes:
    body = json.loads((ROOT / "examples" / "order-select-lumbar-day20.json").read_text())
    entries = body["prefetch"]["conditions"]["entry"]
    one = len(json.dumps(entries[0]))
    grown = []
    for index in range(int(megabytes * 1_000_000) // one):
        entry = copy.deepcopy(entries[index % len(entries)])
        entry["resource"]["id"] = f"c{index}"
        grown.append(entry)
    body["prefetch"]["conditions"]["entry"] = grown
    return json.dumps(body).encode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=float, default=4.4)
    parser.add_argument("--calls", type=int, default=8)
    args = parser.parse_args()
    body, port = chart(args.megabytes), free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SPINE_CDS_PROFILE": "development", "SPINE_CDS_AUTH_REQUIRED": "false",
               "SPINE_CDS_DATABASE_URL": f"sqlite:///{tmp}/stall.db", "SPINE_CDS_LOG_LEVEL": "WARNING"}
        command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]  # our own CLI
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,  # noqa: S603
                                  stderr=subprocess.DEVNULL)
        try:
            waits, statuses = measure(base, body, args.calls)
        finally:
            server.terminate()
            server.wait(timeout=20)
    waits.sort()
    p99 = waits[int(len(waits) * 0.99)]
    print(f"{len(body) / 1e6:.1f} MB chart x {args.calls}: statuses {sorted(set(statuses))}; /healthz waited "
          f"median {statistics.median(waits) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
          f"max {waits[-1] * 1000:.1f} ms over {len(waits)} probes")


def measure(base: str, body: bytes, calls: int) -> tuple[list[float], list[int]]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    statuses: list[int] = []
    path = f"{base}/cds-services/spine-imaging-order-select"

    def send(count: int) -> None:
        with httpx.Client(timeout=60) as client:
            for _ in range(count):
                statuses.append(client.post(path, content=body,
                                            headers={"Content-Type": "application/json"}).status_code)

    senders = [threading.Thread(target=send, args=(calls // 2,)) for _ in range(2)]
    for sender in senders:
        sender.start()
    waits = []
    with httpx.Client(timeout=10) as probe:
        while any(sender.is_alive() for sender in senders):
            started = time.perf_counter()
            probe.get(f"{base}/healthz")
            waits.append(time.perf_counter() - started)
            time.sleep(0.01)
    return waits, statuses


if __name__ == "__main__":
    main()

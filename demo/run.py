"""``make demo``: SEKMET with the demo patients and the service, ready for the CDS Hooks sandbox.

    python -m demo.run                      # SEKMET on :8090, the service on :8080; Ctrl-C stops both
    python -m demo.run --check              # same on free ports: one call per patient, compare, stop
    python -m demo.run --write-bundles DIR  # only write the transaction Bundles (--today, default today)
    python -m demo.run --write-examples     # rewrite examples/demo-*.json (saved requests for curl)

The charts are dated for the service's calendar day (``SPINE_CDS_SITE_TIMEZONE``, default UTC): the sandbox
sends no ``authoredOn``, so the service rates orders on that day. Past midnight the launcher loads the
charts again for the new day. Authentication stays on: the sandbox signs its calls (ES384), and curl uses
the local developer client of ``make run`` (``spine-cds dev-token``).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from demo import sandbox
from demo.background import background_patients
from demo.check import Mint, report, run_checks
from demo.patients import DemoPatient, demo_patients
from demo.stack import (
    ROOT,
    Child,
    StackError,
    first_exited,
    free_port,
    load_patients,
    require_free,
    start_sekmet,
    start_service,
    stop,
    transaction,
    wait_ready,
)

EXAMPLES = ROOT / "examples"
DEFAULT_PORT, DEFAULT_FHIR_PORT = 8080, 8090
DEFAULT_FHIR_BASE = f"http://127.0.0.1:{DEFAULT_FHIR_PORT}/fhir"


def all_patients(today: date) -> list[DemoPatient]:
    return demo_patients(today) + background_patients(today)


def site_today(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    timezone = os.environ.get("SPINE_CDS_SITE_TIMEZONE", "UTC")
    if args.write_bundles:
        return _write_bundles(args.write_bundles, args.today or site_today(timezone))
    if args.write_examples:
        return _write_examples()
    # Ctrl-C and `kill <pid>` both stop the children. SIGINT explicitly: a launcher started in the
    # background of a non-interactive shell inherits it ignored, and Python would keep ignoring it.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _check(timezone) if args.check else _serve(args, timezone)
    except StackError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="the service's port (default 8080)")
    parser.add_argument("--fhir-port", type=int, default=DEFAULT_FHIR_PORT,
                        help="SEKMET's port (default 8090)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "demo",
                        help="logs, database, SEKMET config, bundles (default var/demo)")
    parser.add_argument("--dev-client-dir", type=Path, default=None,
                        help="the local developer client for curl (default var/dev-client, as make run)")
    parser.add_argument("--sandbox-origin", action="append", default=[], metavar="ORIGIN",
                        help="a locally built sandbox (e.g. http://localhost:8000): trusted for CORS besides "
                        "the public one, and the printed links open it")
    parser.add_argument("--check", action="store_true", help="self-test on free ports, then stop")
    parser.add_argument("--write-bundles", type=Path, metavar="DIR", help="write the Bundles and exit")
    parser.add_argument("--today", type=date.fromisoformat, help="with --write-bundles: the day to chart for")
    parser.add_argument("--write-examples", action="store_true", help="rewrite examples/demo-*.json and exit")
    return parser


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


# --- the interactive demo ----------------------------------------------------------------------------


def _serve(args: argparse.Namespace, timezone: str) -> int:
    from app.cli import DEV_CLIENT_DIR
    from app.security.devclient import ensure_dev_client
    from app.settings import DEVELOPMENT_TRUST_FILE

    require_free(args.port, "service")
    require_free(args.fhir_port, "SEKMET")
    workdir: Path = args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    dev_client: Path = args.dev_client_dir or DEV_CLIENT_DIR
    trust_file = ensure_dev_client(dev_client, DEVELOPMENT_TRUST_FILE)
    today = site_today(timezone)
    children: list[Child] = []
    try:
        fhir_base = _start_fhir(workdir, args.fhir_port, children, today, traffic_log=True)
        origins = [origin.rstrip("/") for origin in args.sandbox_origin if origin.strip()]
        service, base = start_service(workdir, args.port, trust_file, timezone, hermetic=False,
                                      extra_origins=origins)
        children.append(service)
        wait_ready(service, base + "/readyz")
        site = origins[-1] if origins else sandbox.SANDBOX
        where = Where(base, fhir_base, workdir, site)
        print(_banner(all_patients(today), where, today, timezone), flush=True)
        _watch(children, fhir_base, today, timezone)
    except KeyboardInterrupt:
        print("\nstopping SEKMET and the service …", flush=True)
    finally:
        stop(children)
    return 0


def _start_fhir(workdir: Path, port: int, children: list[Child], today: date, *, traffic_log: bool) -> str:
    sekmet, fhir_base = start_sekmet(workdir, port, traffic_log=traffic_log)
    children.append(sekmet)
    wait_ready(sekmet, fhir_base + "/metadata")
    patients = all_patients(today)
    load_patients(fhir_base, patients)
    _write_bundle_files(workdir / "bundles", patients)
    return fhir_base


def _watch(children: list[Child], fhir_base: str, today: date, timezone: str) -> None:
    """Until Ctrl-C: stop if a child dies; past midnight, chart the patients for the new day."""
    while True:
        time.sleep(1)
        exited = first_exited(children)
        if exited is not None:
            raise StackError(f"{exited.name} exited ({exited.process.returncode}); see {exited.log}\n"
                             f"{exited.tail()}")
        now = site_today(timezone)
        if now != today:
            load_patients(fhir_base, all_patients(now))
            print(f"{now}: the demo patients are charted for the new day", flush=True)
            today = now


@dataclass(frozen=True)
class Where:
    """The running demo: the service's base URL, SEKMET's, the work directory, the sandbox to link."""

    base: str
    fhir_base: str
    workdir: Path
    sandbox: str = sandbox.SANDBOX


def _banner(patients: list[DemoPatient], where: Where, today: date, timezone: str) -> str:
    fhir_base = where.fhir_base
    lines = [
        f"spine-cds demo: {len(patients)} patients on SEKMET, charts dated for {today} ({timezone})",
        "",
        f"  FHIR server (SEKMET)   {fhir_base}   console {fhir_base.removesuffix('/fhir')}/ui",
        f"  CDS service discovery  {where.base}/cds-services",
        f"  sandbox                {where.sandbox}  {_sandbox_note(where.sandbox)}",
        f"  logs                   {_shown(where.workdir / 'logs')}/",
        "",
        "Open a link in Chrome or Firefox; if Chrome asks to allow access to devices on your local network,",
        "allow it. order-select opens the PAMA Imaging screen: type the study under 'Search orders' and pick",
        "it, then a reason under 'Search reasons'; the cards and 'PAMA Rating' appear below.",
        "Nothing shows? The browser console names the refused call; docs/demo.md 'When nothing shows'.",
        "",
        "Replay a saved order-select without a browser:",
        f"  {_replay_function(where.base)}",
        "",
    ]
    for patient in patients:
        lines += _patient_lines(patient, where)
    lines.append("Ctrl-C stops SEKMET and the service.")
    return "\n".join(lines)


def _sandbox_note(site: str) -> str:
    if site == sandbox.SANDBOX:
        return "(a local build instead: make demo SANDBOX_ORIGIN=http://localhost:8000)"
    return "(trusted for CORS besides the public sandbox)"


def _patient_lines(patient: DemoPatient, where: Where) -> list[str]:
    order, expected = patient.order, patient.expected
    cards = ", ".join(f"{topic}/{indicator}" for topic, indicator in expected.cards) or "no card"
    discovery = where.base + "/cds-services"
    link = partial(sandbox.sandbox_url, where.fhir_base, patient.id, discovery, sandbox=where.sandbox)
    lines = [
        f"{patient.id} — {patient.name} ({patient.rule}): {patient.story}",
        f"  order   {order.code} {order.display}; reason {order.reason_display} ({order.reason})",
        f"  expect  {cards}; PAMA rating {expected.rating}",
        f"  order-select  {link('order-select')}",
        f"  patient-view  {link('patient-view')}",
    ]
    if patient.id.startswith("demo-"):
        saved = _saved_request(patient, where.fhir_base, where.workdir)
        lines.append(f"  curl          replay {_shown(saved)}")
    return [*lines, ""]


def _replay_function(base: str) -> str:
    path = f"/cds-services/{sandbox.ORDER_SELECT}"
    token = _cli() + f" dev-token {path}"
    if base != f"http://127.0.0.1:{DEFAULT_PORT}":
        token = f"SPINE_CDS_PUBLIC_BASE_URL={base} {token}"
    return (f'replay() {{ curl -s {base}{path} -H "Authorization: Bearer $({token})" '
            "-H 'Content-Type: application/json' -d @\"$1\" | python3 -m json.tool; }")


def _cli() -> str:
    """How to call ``spine-cds`` from the repository root with this interpreter."""
    script = Path(sys.executable).with_name("spine-cds")
    if script.exists():
        return _shown(script)
    return f"{_shown(Path(sys.executable))} -m app.cli"


def _shown(path: Path) -> str:
    """Relative to the repository root when inside it; symlinks kept (a venv's python is one)."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(ROOT))
    except ValueError:
        return str(absolute)


def _saved_request(patient: DemoPatient, fhir_base: str, workdir: Path) -> Path:
    """examples/<id>.json when it is the request for this FHIR server; else a copy written to workdir."""
    request = saved_request(patient, fhir_base)
    committed = EXAMPLES / f"{patient.id}.json"
    if committed.exists() and json.loads(committed.read_text()) == request:
        return committed
    path = workdir / "requests" / f"{patient.id}.json"
    _write_json(path, request)
    return path


def saved_request(patient: DemoPatient, fhir_base: str) -> dict[str, Any]:
    instance = sandbox.hook_instance(patient.id, "order-select")
    return sandbox.order_select(patient.id, patient.order, fhir_base, instance=instance)


# --- the self-test -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoStack:
    """A running stack of ``demo_stack``: where to call, how to sign, who is charted."""

    base: str
    fhir_base: str
    mint: Mint
    patients: dict[str, DemoPatient]
    service: Child


@contextmanager
def demo_stack(workdir: Path, today: date, extra_origins: list[str], timezone: str = "UTC"
               ) -> Iterator[DemoStack]:
    """SEKMET with every demo patient and the service on free ports, with a throw-away developer key;
    the service trusts ``extra_origins`` for CORS (as SANDBOX_ORIGIN). The self-test and the sandbox
    stand-in (demo/standin.py) both run on it."""
    from app.security.devclient import ensure_dev_client, mint_dev_token
    from app.settings import DEVELOPMENT_TRUST_FILE

    trust_file = ensure_dev_client(workdir / "dev-client", DEVELOPMENT_TRUST_FILE)
    children: list[Child] = []
    try:
        fhir_base = _start_fhir(workdir, free_port(), children, today, traffic_log=False)
        service, base = start_service(workdir, free_port(), trust_file, timezone, hermetic=True,
                                      extra_origins=extra_origins)
        children.append(service)
        wait_ready(service, base + "/readyz")
        patients = {patient.id: patient for patient in all_patients(today)}
        yield DemoStack(base, fhir_base, lambda path: mint_dev_token(workdir / "dev-client", base + path),
                        patients, service)
    finally:
        stop(children)


def _check(timezone: str) -> int:
    today = site_today(timezone)
    with tempfile.TemporaryDirectory(prefix="spine-cds-demo-") as scratch, \
            demo_stack(Path(scratch), today, [], timezone) as stack:
        results = run_checks(stack.base, stack.fhir_base, all_patients(today), stack.mint)
        print(report(results), flush=True)
        if not all(result.ok for result in results):
            print(f"--- spine-cds log (tail) ---\n{stack.service.tail(4000)}", file=sys.stderr)
            return 1
        return 0


# --- files -------------------------------------------------------------------------------------------


def _write_json(path: Path, value: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def _write_bundle_files(directory: Path, patients: list[DemoPatient]) -> None:
    for patient in patients:
        _write_json(directory / f"{patient.id}.json", transaction(patient.resources))


def _write_bundles(directory: Path, today: date) -> int:
    _write_bundle_files(directory, all_patients(today))
    print(f"wrote {len(all_patients(today))} transaction Bundles for {today} to {directory}")
    return 0


def _write_examples() -> int:
    for patient in demo_patients(date(2000, 1, 1)):  # the saved requests carry no date
        _write_json(EXAMPLES / f"{patient.id}.json", saved_request(patient, DEFAULT_FHIR_BASE))
    return 0


if __name__ == "__main__":
    sys.exit(main())

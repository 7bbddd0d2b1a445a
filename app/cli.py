"""``spine-cds`` command line: serve, evaluate a saved hook request, replay a Bulk Data export, write the
OpenAPI document, migrate."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.settings import PROJECT_ROOT, Profile, Settings, get_settings

DEV_CLIENT_DIR = PROJECT_ROOT / "var" / "dev-client"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except (ValidationError, ValueError, OSError) as exc:
        print(f"spine-cds: {exc}", file=sys.stderr)
        return 2
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spine-cds", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="run the service with uvicorn (settings from SPINE_CDS_*)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--timeout-graceful-shutdown", type=int, default=None, metavar="SECONDS",
                       help="on SIGTERM, let requests in flight finish for this long")
    serve.add_argument("--timeout-keep-alive", type=int, default=5, metavar="SECONDS",
                       help="close an idle keep-alive connection after this long")
    serve.add_argument("--no-server-header", action="store_true", help="send no Server header")
    serve.set_defaults(run=_serve)
    evaluate = commands.add_parser("evaluate", help="print the cards and ratings for a saved hook request")
    evaluate.add_argument("request", type=Path)
    evaluate.add_argument(
        "--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)"
    )
    evaluate.add_argument("--json", action="store_true", help="print the whole CDS Hooks response")
    evaluate.set_defaults(run=_evaluate)
    openapi = commands.add_parser("openapi", help="write the OpenAPI document")
    openapi.add_argument("--output", type=Path, default=PROJECT_ROOT / "openapi" / "openapi.json")
    openapi.set_defaults(run=_openapi)
    dev_client = commands.add_parser(
        "dev-client", help="create the local developer client (development only)"
    )
    dev_client.set_defaults(run=_dev_client)
    dev_token = commands.add_parser("dev-token", help="print a JWT from the local developer client")
    dev_token.add_argument("path", help="the endpoint path, e.g. /cds-services/spine-imaging-order-select")
    dev_token.set_defaults(run=_dev_token)
    database = commands.add_parser("db", help="database maintenance")
    database.add_argument("action", choices=["upgrade"])
    database.set_defaults(run=_db)
    policy = commands.add_parser("policy", help="site policy files (docs/informatics.md)")
    policy.add_argument("action", choices=["check"], help="validate FILE without starting the server")
    policy.add_argument("file", type=Path, metavar="FILE")
    policy.set_defaults(run=_policy)
    _add_replay(commands)
    return parser


def _add_replay(commands: Any) -> None:
    replay = commands.add_parser(
        "replay", help="rate every spine imaging order of a FHIR Bulk Data export as the hooks would have"
    )
    replay.add_argument("input", help="the export folder (NDJSON per resource type); with spark also a URL")
    replay.add_argument("--out", type=Path, required=True, help="folder for decisions.csv/.parquet, report")
    replay.add_argument("--engine", choices=["local", "spark"], default="local")
    replay.add_argument("--workers", type=int, default=None, help="processes (default: every core)")
    replay.add_argument("--spark-master", default=None, help="spark only (default: local[WORKERS])")
    replay.set_defaults(run=_replay)


def _serve(args: argparse.Namespace) -> int:
    """uvicorn with a deadline for request headers and the open-file limit raised (app/serving.py)."""
    import uvicorn

    from app.serving import raise_open_file_limit, uvicorn_options

    settings = get_settings()  # refuse to start on unsafe settings before binding the port
    raise_open_file_limit()
    options = uvicorn_options(settings.header_read_timeout_seconds)
    uvicorn.run("app.main:app", host=args.host, port=args.port, server_header=not args.no_server_header,
                timeout_graceful_shutdown=args.timeout_graceful_shutdown,
                timeout_keep_alive=args.timeout_keep_alive, **options)
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from app.hooks.offline import evaluate_saved_request

    settings = Settings(profile=Profile.DEVELOPMENT)
    response, ratings = asyncio.run(evaluate_saved_request(args.request, settings, args.today))
    print(json.dumps(response, indent=2) if args.json else _describe(response, ratings))
    return 0


def _describe(response: dict[str, Any], ratings: list[str]) -> str:
    lines = [f"[{card['indicator']}] {card['summary']}" for card in response["cards"]] or ["(no cards)"]
    lines += [f"rating: {rating}" for rating in ratings]
    return "\n".join(lines)


def _replay(args: argparse.Namespace) -> int:
    """The site's own settings (policy file, cards folder) as the service would load them."""
    from app.replay.progress import ProgressBar
    from app.replay.run import replay

    settings = Settings(profile=Profile.DEVELOPMENT)
    summary = replay(args.input, args.out, settings, engine=args.engine, workers=args.workers,
                     progress=ProgressBar(), spark_master=args.spark_master)
    print(f"{summary['orders']} spine orders of {summary['patients']} patients in {summary['seconds']} s: "
          f"{summary['cards_per_100_orders']} cards per 100 orders; wrote {args.out}/report.html")
    return 0


def _openapi(args: argparse.Namespace) -> int:
    from app.openapi import openapi_document

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n")
    print(f"wrote {args.output}")
    return 0


def _dev_client(args: argparse.Namespace) -> int:
    from app.security.devclient import ensure_dev_client
    from app.settings import DEVELOPMENT_TRUST_FILE

    print(ensure_dev_client(DEV_CLIENT_DIR, DEVELOPMENT_TRUST_FILE))
    return 0


def _dev_token(args: argparse.Namespace) -> int:
    """``aud`` must be the exact URL called (CONTRACT.md S4): PUBLIC_BASE_URL + the path."""
    from app.security.devclient import mint_dev_token

    if not (DEV_CLIENT_DIR / "key.pem").exists():
        raise ValueError("no local developer client yet: run `spine-cds dev-client` (make run does)")
    base_url = Settings(profile=Profile.DEVELOPMENT).public_base_url
    print(mint_dev_token(DEV_CLIENT_DIR, base_url + "/" + args.path.lstrip("/")))
    return 0


def _db(args: argparse.Namespace) -> int:
    from app.feedback import Database

    database = Database(get_settings().database_url)
    database.upgrade()
    database.dispose()
    print("database is at the latest schema")
    return 0


def _policy(args: argparse.Namespace) -> int:
    """Exit 0 and list what the file changes from the defaults, or exit 1 with every problem found."""
    from app.policyfile import PolicyFileError, differences_from_default, read_policy_file

    try:
        policy = read_policy_file(args.file)
    except PolicyFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    changed = differences_from_default(policy)
    print(f"{args.file}: valid, policy version {policy.version}")
    for name, (default, value) in changed.items():
        print(f"  {name}: {value} (default {default})")
    if not changed:
        print("  every value is the PATHWAY.md default")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

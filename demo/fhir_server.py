"""SEKMET (the FHIR server from PyPI) for the demo, with the Private Network Access grant in front.

The sandbox page (https://sandbox.cds-hooks.org) reads the patient and the prefetch from this server
itself, so the browser's preflight reaches SEKMET too. SEKMET's own CORS allows every origin but, on a
Starlette that knows Private Network Access, refuses Chrome's private-network preflight; the same
middleware the service uses (``app.hooks.cors``) answers it.

    python -m demo.fhir_server --config sekmet.yaml   # what demo.run starts
"""

from __future__ import annotations

import argparse
import sys

import uvicorn

from app.hooks.cors import PrivateNetworkAccess


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="SEKMET settings file (YAML)")
    args = parser.parse_args(argv)
    from sekmet.config import load_settings
    from sekmet.main import create_app

    settings = load_settings(args.config)
    app = PrivateNetworkAccess(create_app(settings), allow_origins=["*"])
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())

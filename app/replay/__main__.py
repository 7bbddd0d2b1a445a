"""``python -m app.replay INPUT --out OUT [--engine …]``: the ``spine-cds replay`` command, also as a file
``spark-submit`` can run (``spark-submit …/app/replay/__main__.py INPUT --out OUT --engine spark``)."""

import sys

from app.cli import main

raise SystemExit(main(["replay", *sys.argv[1:]]))

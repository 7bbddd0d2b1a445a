"""Try spine-cds in minutes: demo patients on a local SEKMET, ready for the CDS Hooks sandbox.

``python -m demo.run`` (what ``make demo`` runs) writes the demo patients for today, starts SEKMET on
127.0.0.1 with them and the service in the development profile, and prints a sandbox URL per patient.
``python -m demo.run --check`` does the same on free ports, sends one order-select per patient the way the
sandbox does (no prefetch: the service reads SEKMET) and compares each answer with the expected card and
PAMA rating. See docs/demo.md.

Nothing in ``app/`` imports from here.
"""

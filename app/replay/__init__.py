"""Replay a site's history (a FHIR Bulk Data export) through the pathway, as the hooks would have answered.

Every spine imaging ServiceRequest is rated as of its ``authoredOn`` by the hooks' own code path
(``app.hooks.handlers``: chart building, facts, decision, card rendering), so the committee sees what the
service would have said, not a second implementation of it. Two engines: ``local`` (one machine, bounded
memory) and ``spark`` (a cluster); both write byte-identical ``decisions.csv``.
"""

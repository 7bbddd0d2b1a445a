"""PURE: the chart model (``model.py``: one patient's views and ``Chart``) and FHIR dates (``dates.py``).

What the data access builds and the pathway reads: no I/O, no clock, no framework, and no import of
``app.fhir`` (STYLE.md habit 1).
"""

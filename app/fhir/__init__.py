"""Data access: the only package that knows FHIR R4 field names (STYLE.md habit 5)."""

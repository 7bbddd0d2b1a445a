"""spine-cds: a CDS Hooks service for radiculopathy spine imaging (see README.md)."""

__version__ = "0.1.0"

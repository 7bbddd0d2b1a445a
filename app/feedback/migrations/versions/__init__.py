"""Hand-written revisions, one per schema change; alembic skips this file when loading revisions."""

"""Alembic migration environment for the feedback store; run through `Database.upgrade()`."""

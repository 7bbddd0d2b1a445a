"""Feedback persistence (CONTRACT.md §1.6): SQLite by default, PostgreSQL by URL, schema by alembic."""

from app.feedback.db import Database
from app.feedback.repository import FeedbackItem, FeedbackRepository

__all__ = ["Database", "FeedbackItem", "FeedbackRepository"]

"""The override dashboard for the clinical informatics team: ``/admin``, HTML and CSV."""

from app.admin.router import admin_router

__all__ = ["admin_router"]

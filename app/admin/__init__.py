"""The override dashboard for the clinical informatics team: ``/admin``, HTML and CSV."""

from app.admin.auth import LoginThrottle
from app.admin.router import admin_router

__all__ = ["LoginThrottle", "admin_router"]

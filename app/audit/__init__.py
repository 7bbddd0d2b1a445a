"""Evaluation audit trail: one row per evaluation, written off the critical path."""

from app.audit.models import AuditCard, AuditRule, EvaluationAudit
from app.audit.store import AuditStore, ReferenceHasher, consult_urn
from app.audit.writer import AuditWriter
from app.feedback import Database
from app.settings import Settings

__all__ = [
    "AuditCard",
    "AuditRule",
    "AuditStore",
    "AuditWriter",
    "EvaluationAudit",
    "ReferenceHasher",
    "build_audit_writer",
    "consult_urn",
]


def build_audit_writer(settings: Settings, database: Database) -> AuditWriter:
    """The writer the lifespan starts; references are hashed when ``audit_hash_references`` is on."""
    salt = settings.audit_hash_salt.get_secret_value().encode() if settings.audit_hash_references else None
    return AuditWriter(AuditStore(database, ReferenceHasher(salt)))

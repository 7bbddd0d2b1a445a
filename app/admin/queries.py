"""The dashboard's numbers, read from the audit trail joined to feedback by card uuid.

Definitions (docs/informatics.md): an *evaluation* is one rated order (or patient-view summary); calls that
rated nothing are counted apart. A card is *accepted* when any feedback accepted it, *overridden* when it was
overridden and never accepted, and *no feedback* otherwise. Feedback rates count only cards that were shown:
cards withheld in silent mode appear in the would-have-fired table instead.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from app.admin.period import Period
from app.admin.tables import Cell, Table, percent, rule_sort_key
from app.audit.models import AuditCard, AuditRule, EvaluationAudit
from app.feedback import Database
from app.feedback.models import Feedback

RATINGS = ("appropriate", "not-appropriate", "no-criteria-apply", "none")
Query = TypeVar("Query", bound="Select[*tuple[Any, ...]]")
TOP_REASONS = 10
RECENT_COMMENTS = 25


@dataclass(frozen=True, slots=True)
class Dashboard:
    period: Period
    tables: tuple[Table, ...]
    daily: tuple[tuple[str, dict[str, int]], ...]  # (ISO day, {rating: evaluations}) for the chart

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)


def load_dashboard(database: Database, period: Period) -> Dashboard:
    """Every table for the period in one read transaction (blocking: call it from a worker thread)."""
    with database.session() as session:
        daily = _daily(session, period)
        tables = (
            _summary(session, period),
            _by_rating(session, period),
            _by_rule(session, period),
            _topics(session, period),
            _reasons(session, period),
            _comments(session, period),
            _silent(session, period),
            _daily_table(daily),
        )
    return Dashboard(period, tables, daily)


def _in_period(query: Query, period: Period) -> Query:
    at = EvaluationAudit.evaluated_at
    return query.where(at >= period.since, at < period.until)


def _rating(value: str | None) -> str:
    return value or "none"


def _summary(session: Session, period: Period) -> Table:
    rated = EvaluationAudit.consult_id.is_not(None)
    query = _in_period(select(
        func.count(func.distinct(EvaluationAudit.hook_instance)),
        func.count(EvaluationAudit.consult_id),
        func.sum(case((rated & EvaluationAudit.silent, 1), else_=0)),
        func.sum(case((EvaluationAudit.consult_id.is_(None), 1), else_=0)),
    ), period)
    calls, evaluations, silent, unrated = session.execute(query).one()
    rows = (("hook calls", calls), ("evaluations", evaluations), ("of which silent", silent or 0),
            ("calls with no spine order or patient in scope", unrated or 0))
    return Table("summary", "Summary", ("measure", "count"), rows)


def _by_rating(session: Session, period: Period) -> Table:
    query = _in_period(select(
        EvaluationAudit.rating, func.count(), func.sum(case((EvaluationAudit.silent, 1), else_=0)),
    ), period).where(EvaluationAudit.consult_id.is_not(None)).group_by(EvaluationAudit.rating)
    counts = {_rating(rating): (total, silent or 0) for rating, total, silent in session.execute(query)}
    rows = tuple((r, *counts[r]) for r in RATINGS if r in counts)
    return Table("ratings", "Evaluations by rating", ("rating", "evaluations", "of which silent"), rows)


def _by_rule(session: Session, period: Period) -> Table:
    query = _in_period(select(
        AuditRule.rule, EvaluationAudit.rating, func.count(),
        func.sum(case((EvaluationAudit.silent, 1), else_=0)),
    ).join(EvaluationAudit, AuditRule.audit_id == EvaluationAudit.id), period)
    found = session.execute(query.group_by(AuditRule.rule, EvaluationAudit.rating)).all()
    rows = sorted(((rule, _rating(rating), total, silent or 0) for rule, rating, total, silent in found),
                  key=lambda row: (rule_sort_key(row[0]), RATINGS.index(row[1])))
    columns = ("rule", "rating", "evaluations", "of which silent")
    return Table("rules", "Evaluations by rule and rating", columns, tuple(rows))


def _card_feedback() -> Any:
    """Per card uuid: was it ever accepted, ever overridden (CONTRACT.md F6: a card may get several items)."""
    return select(
        Feedback.card_uuid,
        func.max(case((Feedback.outcome == "accepted", 1), else_=0)).label("accepted"),
        func.max(case((Feedback.outcome == "overridden", 1), else_=0)).label("overridden"),
    ).group_by(Feedback.card_uuid).subquery()


def _shown_cards(query: Query, period: Period) -> Query:
    joined = query.join(EvaluationAudit, AuditCard.audit_id == EvaluationAudit.id)
    return _in_period(joined, period).where(EvaluationAudit.silent.is_(False))


def _topics(session: Session, period: Period) -> Table:
    fb = _card_feedback()
    accepted = func.sum(case((fb.c.accepted == 1, 1), else_=0))
    overridden = func.sum(case(((fb.c.accepted == 0) & (fb.c.overridden == 1), 1), else_=0))
    query = _shown_cards(select(AuditCard.topic, func.count(), accepted, overridden), period)
    query = query.outerjoin(fb, fb.c.card_uuid == AuditCard.card_uuid).group_by(AuditCard.topic)
    rows = []
    for topic, cards, acc, ovr in sorted(session.execute(query).all()):
        acc, ovr = acc or 0, ovr or 0
        none = cards - acc - ovr
        rows.append((topic, cards, acc, percent(acc, cards), ovr, percent(ovr, cards), none,
                     percent(none, cards)))
    columns = ("topic", "cards shown", "accepted", "accepted %", "overridden", "overridden %",
               "no feedback", "no feedback %")
    return Table("topics", "Cards by topic and feedback", columns, tuple(rows))


def _overrides(query: Query, period: Period) -> Query:
    joined = _shown_cards(query.join(AuditCard, AuditCard.card_uuid == Feedback.card_uuid), period)
    return joined.where(Feedback.outcome == "overridden")


def _reasons(session: Session, period: Period) -> Table:
    code, display = Feedback.override_reason_code, Feedback.override_reason_display
    query = _overrides(select(code, func.max(display), func.count(), func.count(Feedback.override_comment)),
                       period)
    found = session.execute(query.group_by(code)).all()
    ranked = sorted(found, key=lambda row: (-row[2], row[0] or ""))[:TOP_REASONS]
    rows = tuple((c or "(comment only)", d or "", n, comments) for c, d, n, comments in ranked)
    columns = ("reason", "display", "overrides", "with a comment")
    return Table("reasons", "Top override reasons", columns, rows)


def _comments(session: Session, period: Period) -> Table:
    query = _overrides(select(
        Feedback.outcome_timestamp, AuditCard.topic, Feedback.override_reason_code, Feedback.override_comment,
    ), period).where(Feedback.override_comment.is_not(None))
    query = query.order_by(Feedback.outcome_timestamp.desc(), Feedback.id.desc()).limit(RECENT_COMMENTS)
    rows = tuple((period.local_day(at).isoformat(), topic, reason or "(comment only)", comment)
                 for at, topic, reason, comment in session.execute(query))
    return Table("comments", "Recent override comments", ("date", "topic", "reason", "comment"), rows)


def _silent(session: Session, period: Period) -> Table:
    query = select(AuditCard.topic, AuditCard.indicator, func.count(),
                   func.count(func.distinct(AuditCard.audit_id)))
    query = _in_period(query.join(EvaluationAudit, AuditCard.audit_id == EvaluationAudit.id), period)
    query = query.where(EvaluationAudit.silent.is_(True)).group_by(AuditCard.topic, AuditCard.indicator)
    rows = tuple(sorted((topic, indicator, cards, evaluations)
                        for topic, indicator, cards, evaluations in session.execute(query)))
    columns = ("topic", "indicator", "cards that would have fired", "evaluations")
    return Table("silent", "Silent mode: cards that would have fired", columns, rows)


def _daily(session: Session, period: Period) -> tuple[tuple[str, dict[str, int]], ...]:
    """Bucketed in Python: a calendar day in the site's zone is not portable SQL across SQLite/PostgreSQL."""
    query = _in_period(select(EvaluationAudit.evaluated_at, EvaluationAudit.rating), period)
    counts = Counter(
        (period.local_day(at), _rating(rating))
        for at, rating in session.execute(query.where(EvaluationAudit.consult_id.is_not(None)))
    )
    return tuple((day.isoformat(), {r: counts[(day, r)] for r in RATINGS}) for day in period.days())


def _daily_table(daily: tuple[tuple[str, dict[str, int]], ...]) -> Table:
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (day, *[counts[r] for r in RATINGS], sum(counts.values())) for day, counts in daily
    )
    return Table("daily", "Daily evaluations by rating", ("date", *RATINGS, "total"), rows)

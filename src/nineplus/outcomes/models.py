"""Customer outcomes: what became of a customer per period (still a customer, revenue) and a churn date.

Kept apart from the person (the one place contact data lives) and from responses: the insight models
join them on the person to relate scores to retention and revenue.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nineplus.core.models import Base, TenantMixin, created, intpk


class CustomerOutcome(TenantMixin, Base):
    __tablename__ = "customer_outcomes"
    __table_args__ = (UniqueConstraint("person_id", "period_start"),)

    id: Mapped[intpk]
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date]  # the first day of the period the row describes (a month, quarter or year)
    active: Mapped[bool | None]  # still a customer at the end of the period
    churned_on: Mapped[date | None]
    revenue: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    created_at: Mapped[created]

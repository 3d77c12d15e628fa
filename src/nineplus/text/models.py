"""What the text pipeline stored about each verbatim (a text answer), and the model state it was analysed
with per organisation. The verbatim itself stays in ``answers``; here are its language, lemmas (for
search and counts), the masked text (what the comment pages show), sentiment, theme and the moments it
talks about. A changed model version makes the job analyse the organisation's verbatims again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nineplus.core.models import Base, TenantMixin, UTCDateTime, intpk


class VerbatimAnalysis(TenantMixin, Base):
    __tablename__ = "verbatim_analyses"
    __table_args__ = (UniqueConstraint("response_id", "question_id", "moment_key"),)

    id: Mapped[intpk]
    # The answer analysed (its key in ``answers``).
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    moment_key: Mapped[int] = mapped_column(default=0)
    language: Mapped[str] = mapped_column(String(2))
    lemmas: Mapped[str] = mapped_column(Text)  # space-separated, with a space at each end (for search)
    masked: Mapped[str] = mapped_column(Text)
    sentiment: Mapped[float] = mapped_column(Float)
    polarity: Mapped[str] = mapped_column(String(8))
    theme: Mapped[str | None] = mapped_column(String(20))
    version: Mapped[str] = mapped_column(String(16))
    analysed_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))


class VerbatimMoment(TenantMixin, Base):
    """A moment a verbatim talks about (its keywords or name, or the moment its question asked about)."""

    __tablename__ = "verbatim_moments"

    analysis_id: Mapped[int] = mapped_column(
        ForeignKey("verbatim_analyses.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    moment_id: Mapped[int] = mapped_column(
        ForeignKey("moments.id", ondelete="CASCADE"), primary_key=True, autoincrement=False, index=True
    )


class TextModelState(TenantMixin, Base):
    """The organisation's current text model: what it learned from, and the version its analyses carry."""

    __tablename__ = "text_models"
    __table_args__ = (UniqueConstraint("organisation_id"),)

    id: Mapped[intpk]
    version: Mapped[str] = mapped_column(String(16))
    trained_on: Mapped[int]  # verbatims it learned from (the sentiment from the scored ones among them)
    trained_until: Mapped[int]  # the newest response id among them (the same set can be learned again)
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))

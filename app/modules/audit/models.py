"""Who did what to which record, and when."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import db
from app.core.records import TenantOwned, tenant_table_args


class AuditEvent(TenantOwned, db.Model):
    """An audited action. Platform-level events (tenant_id NULL) are seen only in the backoffice.
    Append-only: ``guard.py`` refuses an update or delete in the ORM, a trigger in PostgreSQL."""

    __tablename__ = "audit_events"
    __table_args__ = tenant_table_args(
        "audit_events",
        extra=(sa.Index("ix_audit_events_tenant_id_created_at", "tenant_id", "created_at"),),
    )

    tenant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tenants.id"), nullable=True)
    # Not a foreign key: the trail must outlive, and never block, changes to users.
    actor_user_id: Mapped[int | None]
    actor_email: Mapped[str | None] = mapped_column(sa.String(254))
    action: Mapped[str] = mapped_column(sa.String(64))
    entity_type: Mapped[str] = mapped_column(sa.String(64))
    entity_id: Mapped[int | None]
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(512))

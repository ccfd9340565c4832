"""The people who book, per tenant."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import TenantOwned, tenant_table_args


class Customer(TenantOwned, db.Model):
    __tablename__ = "customers"
    __table_args__ = tenant_table_args(
        "customers", extra=(sa.UniqueConstraint("tenant_id", "email", name="uq_customers_tenant_id_email"),)
    )

    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    email_consent: Mapped[bool] = mapped_column(default=True)
    sms_consent: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

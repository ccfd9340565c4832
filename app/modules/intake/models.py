"""Intake questions ("dynamic parameters"), the rules between them, and their answers."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.database import db
from app.core.records import TenantOwned, enum, tenant_table_args

PARAMETER_TYPES = ("text", "textarea", "number", "select", "multiselect", "boolean", "date")
PARAMETER_SCOPES = ("service", "appointment", "customer")
RULE_ACTIONS = ("show", "hide", "require")


class ParameterDefinition(TenantOwned, db.Model):
    __tablename__ = "parameter_definitions"
    __table_args__ = tenant_table_args(
        "parameter_definitions", extra=(sa.UniqueConstraint("tenant_id", "key"),)
    )

    key: Mapped[str] = mapped_column(sa.String(64))
    label: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[str] = mapped_column(enum(*PARAMETER_TYPES, name="parameter_type"))
    help_text: Mapped[str] = mapped_column(sa.Text, default="")
    scope: Mapped[str] = mapped_column(enum(*PARAMETER_SCOPES, name="parameter_scope"), default="appointment")
    active: Mapped[bool] = mapped_column(default=True)

    options: Mapped[list["ParameterOption"]] = relationship(
        primaryjoin="ParameterDefinition.id == foreign(ParameterOption.parameter_id)",
        order_by="ParameterOption.position",
    )


class ParameterOption(TenantOwned, db.Model):
    """One choice of a select or multiselect question."""

    __tablename__ = "parameter_options"
    __table_args__ = tenant_table_args(
        "parameter_options",
        ("parameter_id", "parameter_definitions"),
        extra=(sa.UniqueConstraint("tenant_id", "parameter_id", "value"),),
    )

    parameter_id: Mapped[int]
    value: Mapped[str] = mapped_column(sa.String(100))
    label: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())


class ServiceParameter(TenantOwned, db.Model):
    """A question asked when booking a service."""

    __tablename__ = "service_parameters"
    __table_args__ = tenant_table_args(
        "service_parameters",
        ("service_id", "services"),
        ("parameter_id", "parameter_definitions"),
        extra=(sa.UniqueConstraint("tenant_id", "service_id", "parameter_id"),),
    )

    service_id: Mapped[int]
    parameter_id: Mapped[int]
    required: Mapped[bool] = mapped_column(default=False)
    default_value: Mapped[str | None] = mapped_column(sa.Text)
    visible_in_booking: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    parameter = relationship(
        ParameterDefinition, primaryjoin="ParameterDefinition.id == foreign(ServiceParameter.parameter_id)"
    )


class ParameterRule(TenantOwned, db.Model):
    """For one service: when question ``source`` has ``value``, show, hide or require ``target``."""

    __tablename__ = "parameter_rules"
    __table_args__ = tenant_table_args(
        "parameter_rules",
        ("service_id", "services"),
        ("source_parameter_id", "parameter_definitions"),
        ("target_parameter_id", "parameter_definitions"),
        extra=(sa.CheckConstraint("source_parameter_id <> target_parameter_id", name="not_self"),),
    )

    service_id: Mapped[int]
    source_parameter_id: Mapped[int]
    value: Mapped[str] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(enum(*RULE_ACTIONS, name="parameter_rule_action"))
    target_parameter_id: Mapped[int]


class AppointmentParameter(TenantOwned, db.Model):
    """An answer given when booking, by one participant. Multiselect answers are stored as JSON lists."""

    __tablename__ = "appointment_parameters"
    __table_args__ = tenant_table_args(
        "appointment_parameters",
        ("appointment_id", "appointments"),
        ("participant_id", "appointment_participants"),
        ("parameter_id", "parameter_definitions"),
        extra=(sa.UniqueConstraint("tenant_id", "participant_id", "parameter_id", name="uq_appointment_parameters_answer"),),
    )

    appointment_id: Mapped[int]
    participant_id: Mapped[int]
    parameter_id: Mapped[int]
    value: Mapped[str] = mapped_column(sa.Text)


class CustomerParameter(TenantOwned, db.Model):
    """An answer kept on the customer's profile and offered again next time."""

    __tablename__ = "customer_parameters"
    __table_args__ = tenant_table_args(
        "customer_parameters",
        ("customer_id", "customers"),
        ("parameter_id", "parameter_definitions"),
        extra=(sa.UniqueConstraint("tenant_id", "customer_id", "parameter_id"),),
    )

    customer_id: Mapped[int]
    parameter_id: Mapped[int]
    value: Mapped[str] = mapped_column(sa.Text)

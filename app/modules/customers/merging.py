"""Merging a duplicate customer into the one kept: what would move (shown before anything does), and
the move itself, all or nothing, refused when what was shown is no longer true."""
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules.appointments.models import AppointmentParticipant, with_appointment_details
from app.modules.audit import trail
from app.modules.customers.directory import end_all_sessions
from app.modules.customers.duplicates import mergeable
from app.modules.customers.models import Customer, CustomerNote
from app.modules.intake.models import CustomerParameter, ParameterDefinition
from app.modules.notifications.models import Notification
from app.modules.waitlist.models import WaitlistEntry


class NotMergeable(DomainError):
    """One of the two customers can no longer take part in a merge (already merged, erased, or the same)."""


class StaleMerge(DomainError):
    """What would move has changed since the confirmation was shown."""


@dataclass(frozen=True)
class Answer:
    question: ParameterDefinition
    value: str
    row_id: int


@dataclass(frozen=True)
class Conflict:
    """Both customers answered the same question: the kept customer's answer stays."""

    question: ParameterDefinition
    kept_value: str
    dropped_value: str
    dropped_row_id: int


@dataclass
class MergePlan:
    """Everything the merge of ``merged`` into ``kept`` moves or changes."""

    kept: Customer
    merged: Customer
    bookings: list[AppointmentParticipant] = field(default_factory=list)
    # Appointments both customers book: each booking stays whole (seats, answers, messages), now both the kept one's.
    shared_appointment_ids: set[int] = field(default_factory=set)
    answers: list[Answer] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    notes: list[CustomerNote] = field(default_factory=list)
    readdressed: list[Notification] = field(default_factory=list)  # queued messages now sent to the kept customer
    cancelled: list[Notification] = field(default_factory=list)  # queued reminders the kept customer has not agreed to
    phone_copied: str | None = None  # the kept customer has no phone: the duplicate's is taken
    notes_appended: bool = False

    @property
    def fingerprint(self) -> str:
        """A digest of the plan: the confirmation carries it, the merge refuses a different one."""
        facts = [
            self.kept.id, self.merged.id, sorted(b.id for b in self.bookings),
            sorted((a.row_id, a.value) for a in self.answers),
            sorted((c.dropped_row_id, c.kept_value, c.dropped_value) for c in self.conflicts),
            sorted(n.id for n in self.notes), sorted(n.id for n in self.readdressed), sorted(n.id for n in self.cancelled),
            self.phone_copied, self.notes_appended, self.kept.email_consent, self.kept.sms_consent,
        ]
        return hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:32]

    def summary(self) -> dict:
        """What moved, by id and count: the audit's details (no names, emails or answers, which an
        erasure must be able to remove)."""
        return {
            "merged_customer_id": self.merged.id,
            "bookings": sorted(b.id for b in self.bookings),
            "appointments": sorted({b.appointment_id for b in self.bookings}),
            "shared_appointments": sorted(self.shared_appointment_ids),
            "answers_moved": sorted(a.question.id for a in self.answers),
            "answers_dropped": sorted(c.question.id for c in self.conflicts),
            "notes": sorted(n.id for n in self.notes),
            "notifications_readdressed": sorted(n.id for n in self.readdressed),
            "notifications_cancelled": sorted(n.id for n in self.cancelled),
            "phone_copied": self.phone_copied is not None,
            "notes_appended": self.notes_appended,
        }


def _check(kept: Customer, merged: Customer) -> None:
    if kept.id == merged.id:
        raise NotMergeable("A customer cannot be merged with itself.")
    for customer in (merged, kept):
        if customer.erased_at is not None:
            raise NotMergeable(f"Customer #{customer.id} has been erased: there is nothing left to merge.")
        if customer.merged_into_id is not None:
            raise NotMergeable(f"{customer.name} was already merged into another customer.")
        if not mergeable(customer):
            raise NotMergeable(f"{customer.name} is deactivated.")


def plan_merge(session: Session, kept: Customer, merged: Customer) -> MergePlan:
    """What merging ``merged`` into ``kept`` would do, in five statements."""
    _check(kept, merged)
    plan = MergePlan(kept, merged)
    plan.bookings = list(session.scalars(
        sa.select(AppointmentParticipant).where(AppointmentParticipant.customer_id == merged.id)
        .options(*with_appointment_details()).order_by(AppointmentParticipant.id)
    ).unique())
    appointment_ids = {b.appointment_id for b in plan.bookings}
    if appointment_ids:
        plan.shared_appointment_ids = set(session.scalars(
            sa.select(AppointmentParticipant.appointment_id).where(
                AppointmentParticipant.customer_id == kept.id, AppointmentParticipant.appointment_id.in_(appointment_ids))
        ))
    answers = session.execute(
        sa.select(CustomerParameter, ParameterDefinition)
        .join(ParameterDefinition, ParameterDefinition.id == CustomerParameter.parameter_id)
        .where(CustomerParameter.customer_id.in_((kept.id, merged.id)))
        .order_by(ParameterDefinition.label, CustomerParameter.id)
    ).all()
    kept_answers = {row.parameter_id: row.value for row, _ in answers if row.customer_id == kept.id}
    for row, question in answers:
        if row.customer_id != merged.id:
            continue
        if row.parameter_id in kept_answers:
            plan.conflicts.append(Conflict(question, kept_answers[row.parameter_id], row.value, row.id))
        else:
            plan.answers.append(Answer(question, row.value, row.id))
    plan.notes = list(session.scalars(
        sa.select(CustomerNote).where(CustomerNote.customer_id == merged.id).order_by(CustomerNote.created_at, CustomerNote.id)
    ))
    if not kept.phone and merged.phone:
        plan.phone_copied = merged.phone
    merged_notes = (merged.notes or "").strip()
    plan.notes_appended = bool(merged_notes) and merged_notes not in (kept.notes or "")
    if plan.bookings:
        queued = session.scalars(
            sa.select(Notification).where(
                Notification.participant_id.in_([b.id for b in plan.bookings]), Notification.status == "queued",
            ).order_by(Notification.scheduled_for, Notification.id)
        )
        for notification in queued:
            (plan.readdressed if _recipient(plan, notification) else plan.cancelled).append(notification)
    return plan


def _recipient(plan: MergePlan, notification: Notification) -> str | None:
    """Where a queued message about a moved booking goes now; None when the kept customer has not
    agreed to reminders on that channel (consent is the kept customer's own, never the duplicate's)."""
    kept, reminder = plan.kept, notification.kind == "reminder"
    if notification.channel == "sms":
        phone = kept.phone or plan.phone_copied
        return phone if phone and (kept.sms_consent or not reminder) else None
    return kept.email if kept.email_consent or not reminder else None


def merge(session: Session, kept: Customer, merged: Customer, *, fingerprint: str, actor, now: datetime) -> MergePlan:
    """Merge ``merged`` into ``kept``, as the confirmation with ``fingerprint`` showed it. Both rows are
    locked (in id order, so two merges cannot deadlock) and checked again under the lock: a merge
    racing another, or a booking made since, is refused rather than half-done."""
    locked = session.scalars(
        sa.select(Customer).where(Customer.id.in_((kept.id, merged.id))).order_by(Customer.id)
        .with_for_update().execution_options(populate_existing=True)
    ).all()
    if kept.id != merged.id and len(locked) != 2:  # customers are never deleted; but never act on a guess
        raise NotMergeable("One of these customers no longer exists.")
    plan = plan_merge(session, kept, merged)
    if plan.fingerprint != fingerprint:
        raise StaleMerge("What the merge would move has changed since it was shown: check it again.")

    _move(session, AppointmentParticipant, [b.id for b in plan.bookings], now, customer_id=kept.id)
    # The kept customer's own answer wins a conflict; the duplicate's is dropped, the rest move.
    if plan.conflicts:
        session.execute(
            sa.delete(CustomerParameter).where(CustomerParameter.id.in_([c.dropped_row_id for c in plan.conflicts]))
            .execution_options(synchronize_session=False)
        )
    _move(session, CustomerParameter, [a.row_id for a in plan.answers], now, customer_id=kept.id)
    _move(session, CustomerNote, [n.id for n in plan.notes], now, customer_id=kept.id)
    # Their places on waitlists follow them to the customer kept.
    session.execute(sa.update(WaitlistEntry).where(WaitlistEntry.customer_id == merged.id)
                    .values(customer_id=kept.id, updated_at=now).execution_options(synchronize_session=False))
    for channel in ("email", "sms"):
        readdressed = [n for n in plan.readdressed if n.channel == channel]
        if readdressed:
            _move(session, Notification, [n.id for n in readdressed], now, recipient=_recipient(plan, readdressed[0]))
    _move(session, Notification, [n.id for n in plan.cancelled], now, status="cancelled")
    # Records merged into the duplicate earlier now point straight at the one kept.
    session.execute(
        sa.update(Customer).where(Customer.merged_into_id == merged.id).values(merged_into_id=kept.id, updated_at=now)
        .execution_options(synchronize_session=False)
    )

    if plan.phone_copied:
        kept.phone = plan.phone_copied
    if plan.notes_appended:
        kept.notes = "\n\n".join(filter(None, [(kept.notes or "").strip(), merged.notes.strip()]))
    merged.active = False
    merged.merged_into_id = kept.id
    end_all_sessions(merged)
    session.flush()
    trail.record(session, "customer.merged", kept, actor=actor, **plan.summary())
    session.expire_all()  # the bulk updates above bypassed the loaded rows
    return plan


def _move(session: Session, model, ids: list[int], now: datetime, **values) -> None:
    """Set ``values`` on the rows of ``model`` with ``ids``, in one statement (none for no rows)."""
    if ids:
        session.execute(
            sa.update(model).where(model.id.in_(ids)).values(updated_at=now, **values)
            .execution_options(synchronize_session=False)
        )

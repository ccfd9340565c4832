"""Staff notes on a customer: dated, signed and audited, never edited, never shown to the customer."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules import audit
from app.modules.customers.models import Customer, CustomerNote

MAX_LENGTH = 5000


def notes_of(session: Session, customer: Customer) -> list[CustomerNote]:
    """The customer's notes, newest first."""
    return list(session.scalars(
        sa.select(CustomerNote).where(CustomerNote.customer_id == customer.id)
        .order_by(CustomerNote.created_at.desc(), CustomerNote.id.desc())
    ))


def add_note(session: Session, customer: Customer, body: str, *, actor, now: datetime) -> CustomerNote:
    """Append a note signed by ``actor`` (their name is kept as written) and audit it."""
    body = (body or "").strip()
    if not body:
        raise DomainError("Write the note first.", field="body")
    if len(body) > MAX_LENGTH:
        raise DomainError(f"Please keep a note under {MAX_LENGTH} characters.", field="body")
    note = CustomerNote(tenant_id=customer.tenant_id, customer_id=customer.id, author_user_id=actor.id,
                        author_name=actor.name, body=body, created_at=now, updated_at=now)
    session.add(note)
    session.flush()
    audit.record(session, "customer.note", customer, actor=actor, note_id=note.id)
    return note

"""What the customer is shown is what they get: the nearest free times after a lost one, times of
autumn's repeated hour told apart, the price and length really booked, and weeks that open on a day
with times."""
import re
from datetime import date, time, timedelta

import pytest

from app.core.tenancy import tenant_context
from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.availability.engine import week_of
from app.modules.catalogue.models import LocationClosure, Provider, ProviderService
from app.modules.notifications import content
from app.modules.notifications.models import Notification
from app.modules.schedules.models import ScheduleOverride
from tests.support import factories
from tests.support.booking import book, booked_token, details_url, filled_form, service_url
from tests.support.database import changed_tables, rows, snapshot
from tests.support.pages import assert_page, html, key, link_to, links, query, text
from tests.support.practice import add, working

pytestmark = pytest.mark.usefixtures("messages_stay_in_the_outbox")
HTMX = pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])


def only_hours(clinic, day: date, opens: str, closes: str) -> None:
    """Chloe works only ``opens``–``closes`` at Harbour Street on ``day``."""
    factories.save(clinic.tenant, ScheduleOverride(
        tenant_id=clinic.tenant.id, provider_id=clinic.chloe.id, location_id=clinic.london.id, on_date=day,
        starts_at=time.fromisoformat(opens), ends_at=time.fromisoformat(closes),
    ))


def nearest_times(page: str) -> list[str]:
    assert "The nearest free times:" in page, text(page)[:500]
    block = page.split("The nearest free times:")[1].split("</ul>")[0]
    return [label for _, label in links(block, "slot")] or [  # the reschedule page's are buttons
        text(label) for label in re.findall(r'<button class="slot"[^>]*>(.*?)</button>', block)
    ]


# 1. A 409 always offers the nearest free times


@HTMX
def test_losing_the_days_last_time_offers_the_next_days_times(clinic, visitor, htmx):
    day = clinic.day(3)
    only_hours(clinic, day, "16:00", "16:30")  # one time that day: 16:00
    start = clinic.at(day, "16:00")
    late = visitor(clinic.host)
    late_form = filled_form(late, clinic, start, name="Sam Late", email="sam@example.com")
    assert book(visitor(clinic.host), clinic, start).status_code == 303

    page = assert_page(late.post(f"/services/{clinic.dental.id}/book", late_form, htmx=htmx), 409, htmx)

    after = (day + timedelta(days=1)).strftime("%a %-d %b")
    assert nearest_times(page) == [f"{after}, 09:00", f"{after}, 09:15", f"{after}, 09:30", f"{after}, 09:45"]
    assert query(link_to(page, f"{after}, 09:00"))["start"] == key(clinic.at(day + timedelta(days=1), "09:00"))


def test_a_reschedule_to_the_days_lost_last_time_offers_the_next_days_times(clinic, visitor, booked):
    day = clinic.day(5)
    only_hours(clinic, day, "16:00", "16:30")
    wanted = clinic.at(day, "16:00")
    assert book(visitor(clinic.host), clinic, wanted, name="Sam Early", email="sam@example.com").status_code == 303

    response = booked.guest.post(f"{booked.manage}/reschedule", {"start": key(wanted)})
    page = assert_page(response, 409, False)

    after = (day + timedelta(days=1)).strftime("%a %-d %b")
    assert nearest_times(page) == [f"{after}, 09:00", f"{after}, 09:15", f"{after}, 09:30", f"{after}, 09:45"]
    assert f'value="{key(clinic.at(day + timedelta(days=1), "09:00"))}"' in page


# 2. The repeated hour of autumn, told apart

FALL_BACK = date(2031, 10, 26)  # London's clocks go back from 02:00 BST to 01:00 GMT


@pytest.mark.now("2031-10-20T09:00:00+00:00")
def test_the_repeated_hour_reads_differently_on_picker_details_confirmation_and_email(clinic, visitor):
    only_hours(clinic, FALL_BACK, "00:30", "03:00")
    guest = visitor(clinic.host)
    picker = html(guest.get(service_url(clinic, day=FALL_BACK.isoformat())))

    labels = [label for _, label in links(picker, "slot")]
    assert len(labels) == len(set(labels))
    assert labels[:8] == ["00:30", "00:45", "01:00 BST", "01:15 BST", "01:30 BST", "01:45 BST", "01:00 GMT", "01:15 GMT"]
    assert "02:00" in labels  # unambiguous times stay as they were

    first, second = (link_to(picker, label) for label in ("01:30 BST", "01:30 GMT"))
    first_details, second_details = (text(html(guest.get(href))) for href in (first, second))
    assert "Sunday 26 October 2031, 01:30 BST–01:00 GMT" in first_details  # 30 minutes, across the change
    assert "Sunday 26 October 2031, 01:30 GMT–02:00" in second_details

    later = clinic.at(FALL_BACK, "02:00") + timedelta(hours=-1, minutes=30)  # 01:30 GMT
    assert query(second)["start"] == key(later)
    token = booked_token(book(guest, clinic, later))
    confirmation = text(html(guest.get(f"/bookings/{token}/confirmation")))
    assert "Sunday 26 October 2031, 01:30 GMT–02:00" in confirmation

    booking = rows(clinic.tenant, AppointmentParticipant, AppointmentParticipant.manage_token == token)[0]
    sent = rows(clinic.tenant, Notification, Notification.kind == "booking_confirmed")[0]
    with tenant_context(clinic.tenant):
        message = content.build(sent, clinic.tenant, booking, now=later - timedelta(days=6))
    assert "Sunday 26 October 2031 at 01:30 GMT" in message.text
    assert "01:30 GMT" in message.sms and "01:30 GMT" in message.html


# 3. The price and length shown are the ones booked


@pytest.fixture
def dana(clinic):
    """A second physiotherapist at Harbour Street, whose sessions are longer and dearer: 1 h at £70."""
    t = clinic.tenant
    with tenant_context(t):
        dana = add(Provider(tenant_id=t.id, name="Dana Fields"))
        add(*working(t, dana, clinic.london),
            ProviderService(tenant_id=t.id, provider_id=dana.id, service_id=clinic.physio.id,
                            duration_minutes=60, price=7000))
    return dana


def figures(page: str) -> str:
    return text(page.split('<p class="muted figures">')[1].split("</p>")[0])


def test_the_service_page_shows_the_chosen_providers_figures_or_the_range(clinic, visitor, dana):
    guest = visitor(clinic.host)
    day = clinic.day(3).isoformat()
    assert figures(html(guest.get(service_url(clinic, clinic.physio, provider=dana.id, day=day)))) == "1 h · £70.00"
    assert figures(html(guest.get(service_url(clinic, clinic.physio, provider=clinic.chloe.id, day=day)))) == "50 min · £55.00"
    assert figures(html(guest.get(service_url(clinic, clinic.physio, day=day)))) == "50–60 min · £55.00–£70.00"


def test_a_chosen_providers_own_figures_are_shown_on_the_details_page_and_booked(clinic, visitor, dana):
    guest = visitor(clinic.host)
    start = clinic.at(clinic.day(3), "10:30")
    details = text(html(guest.get(details_url(clinic, start, clinic.physio, provider=dana.id))))
    assert ", 10:30–11:30" in details and "1 h · £70.00" in details

    assert book(guest, clinic, start, service=clinic.physio, provider=dana.id).status_code == 303
    appointment = rows(clinic.tenant, Appointment)[0]
    assert (appointment.provider_id, appointment.price, appointment.ends_at) == (dana.id, 7000, start + timedelta(hours=1))


def test_anyone_books_at_the_figures_shown_even_when_another_provider_is_less_busy(clinic, visitor, dana):
    day = clinic.day(3)
    early = clinic.at(day, "09:00")
    assert book(visitor(clinic.host), clinic, early, service=clinic.physio, provider=clinic.chloe.id,
                email="first@example.com").status_code == 303  # Chloe is now the busier one
    guest = visitor(clinic.host)
    start = clinic.at(day, "10:30")

    details = text(html(guest.get(details_url(clinic, start, clinic.physio))))
    assert ", 10:30–11:20" in details and "50 min · £55.00" in details
    assert book(guest, clinic, start, service=clinic.physio).status_code == 303

    appointment = rows(clinic.tenant, Appointment, Appointment.starts_at == start)[0]
    assert (appointment.provider_id, appointment.price, appointment.ends_at) == (
        clinic.chloe.id, 5500, start + timedelta(minutes=50),
    )


@HTMX
def test_a_tampered_price_gets_422_and_books_nothing(clinic, visitor, dana, htmx):
    guest = visitor(clinic.host)
    start = clinic.at(clinic.day(3), "10:30")
    form = filled_form(guest, clinic, start, service=clinic.physio, provider=dana.id)
    assert form["price"] == "7000"
    before = snapshot()

    page = assert_page(guest.post(f"/services/{clinic.physio.id}/book", form | {"price": "100"}, htmx=htmx), 422, htmx)

    assert "That price is not offered." in text(page)
    assert changed_tables(before) == []


# 4. Week navigation lands on a day with times


def closed(clinic, first: date, last: date) -> None:
    factories.save(clinic.tenant, LocationClosure(tenant_id=clinic.tenant.id, location_id=clinic.london.id,
                                                  starts_on=first, ends_on=last, reason="Works"))


def test_next_week_lands_on_its_first_day_with_times(clinic, visitor):
    monday, sunday = week_of(clinic.day(7))
    closed(clinic, monday, monday + timedelta(days=2))  # Monday to Wednesday
    guest = visitor(clinic.host)
    page = html(guest.get(service_url(clinic, day=clinic.day(0).isoformat())))

    thursday = monday + timedelta(days=3)
    landed = html(guest.get(link_to(page, "Next week")))  # a plain link, no JavaScript
    assert [query(href)["day"] for href, _ in links(landed, "chosen")] == [thursday.isoformat()]
    assert links(landed, "slot") and "No free times on this day" not in text(landed)


def test_previous_week_lands_on_its_first_day_with_times(clinic, visitor):
    monday, _ = week_of(clinic.day(14))
    before = monday - timedelta(days=7)
    closed(clinic, before, before + timedelta(days=1))  # that Monday and Tuesday
    guest = visitor(clinic.host)
    page = html(guest.get(service_url(clinic, day=clinic.day(14).isoformat())))
    landed = html(guest.get(link_to(page, "Previous week")))
    assert [query(href)["day"] for href, _ in links(landed, "chosen")] == [(before + timedelta(days=2)).isoformat()]
    assert links(landed, "slot") and "No free times on this day" not in text(landed)

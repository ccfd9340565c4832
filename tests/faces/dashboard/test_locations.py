"""Locations in the dashboard: owners add, edit, deactivate them and close them for holidays."""
from sqlalchemy import select

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules import availability
from app.modules.audit.models import AuditEvent
from app.modules.catalogue.models import Location, LocationClosure
from tests.support import factories
from tests.support.clients import signed_in
from tests.support.database import scalars as rows
from tests.support.pages import html

PASSWORD = factories.PASSWORD


def test_owner_sees_locations_and_adds_one(clinic, visitor):
    owner = signed_in(visitor, clinic)
    page = html(owner.get("/dashboard/locations"))
    assert "Harbour Street" in page and "America/New_York" in page and "Deactivated" in page
    form = html(owner.get("/dashboard/locations/new"))
    assert '<optgroup label="Europe">' in form and "<datalist" in form
    response = owner.post("/dashboard/locations/new", {"name": "Canal Side", "address": "2 Canal Road",
                                                        "timezone": "Europe/Paris", "zone_search": ""})
    assert response.status_code == 303
    (made,) = rows(clinic.tenant, select(Location).where(Location.name == "Canal Side"))
    assert made.timezone == "Europe/Paris" and made.address == "2 Canal Road"
    assert rows(clinic.tenant, select(AuditEvent.action).where(AuditEvent.entity_id == made.id,
                                                               AuditEvent.entity_type == "Location")) == ["location.create"]


def test_a_bad_zone_is_refused_with_values_kept(clinic, visitor):
    owner = signed_in(visitor, clinic)
    response = owner.post("/dashboard/locations/new", {"name": "Canal Side", "timezone": "Europe/London",
                                                        "zone_search": "Mars/Olympus"})
    assert response.status_code == 422
    page = html(response)
    assert "is not an IANA time zone" in page and 'value="Canal Side"' in page
    assert rows(clinic.tenant, select(Location).where(Location.name == "Canal Side")) == []


def test_edit_deactivate_and_reactivate(clinic, visitor):
    owner = signed_in(visitor, clinic)
    path = f"/dashboard/locations/{clinic.london.id}"
    assert owner.post(path, {"name": "Harbour St", "address": "x", "timezone": "Europe/Dublin"}).status_code == 303
    assert owner.post(f"{path}/deactivate", {}).status_code == 303
    (loc,) = rows(clinic.tenant, select(Location).where(Location.id == clinic.london.id))
    assert (loc.name, loc.timezone, loc.active) == ("Harbour St", "Europe/Dublin", False)
    assert owner.post(f"{path}/reactivate", {}).status_code == 303
    actions = rows(clinic.tenant, select(AuditEvent.action).where(AuditEvent.entity_type == "Location").order_by(AuditEvent.id))
    assert actions == ["location.update", "location.deactivate", "location.activate"]


def slots(clinic, day):
    with tenant_context(clinic.tenant):
        calendar = availability.load(db.session, service=clinic.dental, location=clinic.london, first_day=day, last_day=day)
        return calendar.slots(clock.now())


def test_a_closure_removes_online_slots_and_can_be_removed(clinic, visitor):
    owner = signed_in(visitor, clinic)
    day = clinic.day(3)
    assert slots(clinic, day)
    path = f"/dashboard/locations/{clinic.london.id}/closures"
    response = owner.post(path, {"starts_on": day.isoformat(), "ends_on": day.isoformat(), "reason": "Bank holiday"})
    assert response.status_code == 303
    assert "Bank holiday" in html(owner.get(f"/dashboard/locations/{clinic.london.id}"))
    assert slots(clinic, day) == []
    (closure,) = rows(clinic.tenant, select(LocationClosure))
    assert owner.post(f"{path}/remove", {"closure_id": closure.id}).status_code == 303
    assert rows(clinic.tenant, select(LocationClosure)) == []
    assert slots(clinic, day)
    actions = rows(clinic.tenant, select(AuditEvent.action).where(AuditEvent.action.like("location.closure%")))
    assert sorted(actions) == ["location.closure.add", "location.closure.remove"]


def test_a_closure_today_shows_on_the_agenda(clinic, visitor):
    owner = signed_in(visitor, clinic)
    today = clock.today_in(clinic.tenant.timezone)
    assert "is closed today" not in html(owner.get("/dashboard/"))
    owner.post(f"/dashboard/locations/{clinic.london.id}/closures", {"starts_on": today.isoformat(), "reason": "Flooding"})
    assert f"{clinic.london.name} is closed today: Flooding" in html(owner.get("/dashboard/"))


def test_last_day_before_first_is_refused(clinic, visitor):
    owner = signed_in(visitor, clinic)
    day = clinic.day(3)
    response = owner.post(f"/dashboard/locations/{clinic.london.id}/closures",
                          {"starts_on": day.isoformat(), "ends_on": clinic.day(1).isoformat(), "reason": "Oops"})
    assert response.status_code == 422
    assert "The last day cannot be before the first." in html(response) and 'value="Oops"' in html(response)
    assert rows(clinic.tenant, select(LocationClosure)) == []


def test_staff_are_refused(clinic, visitor):
    staff = signed_in(visitor, clinic, "staff")
    assert staff.get("/dashboard/locations").status_code == 403
    assert staff.post("/dashboard/locations/new", {"name": "X", "timezone": "UTC"}).status_code == 403
    assert rows(clinic.tenant, select(Location).where(Location.name == "X")) == []


def test_another_tenants_location_is_404(clinic, elsewhere, visitor):
    owner = signed_in(visitor, clinic)
    theirs = elsewhere["location"].id
    assert owner.get(f"/dashboard/locations/{theirs}").status_code == 404
    assert owner.post(f"/dashboard/locations/{theirs}/deactivate", {}).status_code == 404

"""Services and categories in the dashboard: owners add, edit, order and deactivate them, give a
service its own booking rules and choose who offers it at which length and price."""
import re

from sqlalchemy import select

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules import availability
from app.modules.audit.models import AuditEvent
from app.modules.catalogue.models import ProviderService, Service, ServiceCategory
from app.modules.schedules.models import BookingPolicy
from tests.support import factories
from tests.support.clients import signed_in
from tests.support.database import scalars as rows
from tests.support.pages import html
from tests.support.practice import build_clinic

PASSWORD = factories.PASSWORD


def row_of(page: str, name: str) -> str:
    """The table row whose link reads ``name``."""
    start = page.index(f">{name}</a>")
    return page[page.rindex("<tr", 0, start):page.index("</tr>", start)]


def actions(tenant, entity_type, entity_id):
    return rows(tenant, select(AuditEvent.action).where(AuditEvent.entity_type == entity_type,
                                                        AuditEvent.entity_id == entity_id).order_by(AuditEvent.id))


def service_form(clinic, **changes) -> dict:
    """The service form as a browser would post it for a 45-minute massage."""
    category = rows(clinic.tenant, select(ServiceCategory).where(ServiceCategory.name == "Physiotherapy"))[0]
    return {"name": "Sports massage", "description": "Deep tissue.", "category_id": category.id,
            "duration_minutes": "45", "buffer_before_minutes": "0", "buffer_after_minutes": "15",
            "price": "45.50", "capacity": "1"} | changes


def test_creating_a_service_stores_minor_units_and_lists_the_price(clinic, visitor):
    owner = signed_in(visitor, clinic)
    assert "Sports massage" not in html(owner.get("/dashboard/setup/services"))
    response = owner.post("/dashboard/setup/services/new", service_form(clinic, requires_approval="y"))
    assert response.status_code == 303
    (made,) = rows(clinic.tenant, select(Service).where(Service.name == "Sports massage"))
    assert (made.price, made.duration_minutes, made.buffer_after_minutes, made.capacity, made.requires_approval) == (
        4550, 45, 15, 1, True)
    assert response.headers["Location"] == f"/dashboard/setup/services/{made.id}/edit"
    listing = html(owner.get("/dashboard/setup/services"))
    row = row_of(listing, "Sports massage")
    assert "£45.50" in row and "45 min" in row and "needs approval" in row
    form = html(owner.get(f"/dashboard/setup/services/{made.id}/edit"))
    assert 'value="45.50"' in form  # shown back as typed, ready to edit
    assert actions(clinic.tenant, "Service", made.id) == ["service.create"]


def test_a_bad_price_is_refused_at_its_field_with_values_kept(clinic, visitor):
    owner = signed_in(visitor, clinic)
    for price, message in (("45.505", "At most 2 decimals in GBP."), ("-5", "A price cannot be negative."),
                           ("lots", "Enter an amount such as 45.50.")):
        response = owner.post("/dashboard/setup/services/new", service_form(clinic, price=price))
        assert response.status_code == 422
        page = html(response)
        field = page[page.index('name="price"'):]
        assert message in field[:field.index("</div>")]  # the error sits under the price box
        assert f'value="{price}"' in page and 'value="Sports massage"' in page and "Deep tissue." in page
    assert rows(clinic.tenant, select(Service).where(Service.name == "Sports massage")) == []


def test_a_zero_length_is_refused_at_its_field(clinic, visitor):
    owner = signed_in(visitor, clinic)
    response = owner.post("/dashboard/setup/services/new", service_form(clinic, duration_minutes="0"), htmx=True)
    assert response.status_code == 422
    page = html(response)
    assert page.lstrip().startswith('<form id="service-form"')  # htmx gets the form alone
    field = page[page.index('name="duration_minutes"'):]
    assert "Between 1 and 1440 minutes." in field[:field.index("</div>")]
    assert 'value="Sports massage"' in page and 'value="45.50"' in page
    assert rows(clinic.tenant, select(Service).where(Service.name == "Sports massage")) == []


def test_prices_in_a_currency_without_decimals(app, visitor):
    clinic = build_clinic("sakura", name="Sakura Clinic", currency="JPY", timezone="Asia/Tokyo")
    owner = signed_in(visitor, clinic)
    refused = owner.post("/dashboard/setup/services/new", service_form(clinic, price="4500.50"))
    assert refused.status_code == 422 and "JPY has no decimals." in html(refused)
    assert owner.post("/dashboard/setup/services/new", service_form(clinic, price="4,500")).status_code == 303
    (made,) = rows(clinic.tenant, select(Service).where(Service.name == "Sports massage"))
    assert made.price == 4500
    assert "4,500 JPY" in html(owner.get("/dashboard/setup/services"))


def test_editing_a_service_is_audited_with_its_changes(clinic, visitor):
    owner = signed_in(visitor, clinic)
    path = f"/dashboard/setup/services/{clinic.dental.id}/edit"
    form = html(owner.get(path))
    assert 'value="Dental check-up"' in form and 'value="45.00"' in form
    assert owner.post(path, service_form(clinic, name="Dental check-up", price="50", duration_minutes="40")).status_code == 303
    (dental,) = rows(clinic.tenant, select(Service).where(Service.id == clinic.dental.id))
    assert (dental.price, dental.duration_minutes) == (5000, 40)
    with tenant_context(clinic.tenant):
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "service.update")).one()
    assert event.details["after"]["price"] == 5000 and event.details["after"]["duration_minutes"] == 40
    assert event.details["before"]["price"] == 4500 and event.details["before"]["duration_minutes"] == 30


def slots(clinic, service):
    day = clinic.day(3)
    with tenant_context(clinic.tenant):
        db.session.expire_all()
        service = db.session.get(Service, service.id)
        calendar = availability.load(db.session, service=service, location=clinic.london, first_day=day, last_day=day)
        return [slot.starts_at for slot in calendar.slots(clock.now())]


def chosen_rules(page: str) -> str:
    (value,) = re.findall(r'<input checked id="rules-\d" name="rules" type="radio" value="(\w+)">', page)
    return value


def test_own_booking_rules_change_the_online_slots_and_the_defaults_come_back(clinic, visitor):
    owner = signed_in(visitor, clinic)
    before = slots(clinic, clinic.dental)
    gaps = {(b - a).total_seconds() / 60 for a, b in zip(before, before[1:])}
    assert gaps == {15}  # the practice's default interval
    assert chosen_rules(html(owner.get(f"/dashboard/setup/services/{clinic.dental.id}/edit"))) == "practice"
    path = f"/dashboard/setup/services/{clinic.dental.id}/policy"
    own = {"rules": "own", "min_notice_minutes": "120", "max_horizon_days": "30", "slot_interval_minutes": "60",
           "cancel_cutoff_minutes": "2880", "reschedule_cutoff_minutes": "1440"}
    assert owner.post(path, own).status_code == 303
    (override,) = rows(clinic.tenant, select(BookingPolicy).where(BookingPolicy.service_id == clinic.dental.id))
    assert (override.slot_interval_minutes, override.cancel_cutoff_minutes, override.max_horizon_days) == (60, 2880, 30)
    after = slots(clinic, clinic.dental)
    assert after and {(b - a).total_seconds() / 60 for a, b in zip(after, after[1:])} == {60}
    assert {s.minute for s in after} == {0}
    assert slots(clinic, clinic.physio)[1] - slots(clinic, clinic.physio)[0] == before[1] - before[0]  # others keep the defaults
    assert chosen_rules(html(owner.get(f"/dashboard/setup/services/{clinic.dental.id}/edit"))) == "own"

    assert owner.post(path, {"rules": "practice"}).status_code == 303
    assert rows(clinic.tenant, select(BookingPolicy).where(BookingPolicy.service_id == clinic.dental.id)) == []
    assert slots(clinic, clinic.dental) == before
    assert actions(clinic.tenant, "Service", clinic.dental.id) == ["service.policy.set", "service.policy.remove"]


def test_own_booking_rules_need_every_value(clinic, visitor):
    owner = signed_in(visitor, clinic)
    response = owner.post(f"/dashboard/setup/services/{clinic.dental.id}/policy",
                          {"rules": "own", "min_notice_minutes": "60", "max_horizon_days": "30", "slot_interval_minutes": "0",
                           "cancel_cutoff_minutes": "60", "reschedule_cutoff_minutes": "60"})
    assert response.status_code == 422
    page = html(response)
    field = page[page.index('name="slot_interval_minutes"'):]
    assert "Between 5 and 1440 minutes." in field[:field.index("</div>")]
    assert chosen_rules(page) == "own"
    assert 'value="Dental check-up"' in page  # the service form above shows the service as saved
    assert rows(clinic.tenant, select(BookingPolicy).where(BookingPolicy.service_id == clinic.dental.id)) == []


def test_choosing_providers_with_their_own_length_and_price(clinic, visitor):
    owner = signed_in(visitor, clinic)
    path = f"/dashboard/setup/services/{clinic.physio.id}/edit"
    form = html(owner.get(path))
    assert "Former Dentist" not in form  # inactive providers are not offered
    assert re.search(rf'name="offers_{clinic.chloe.id}"[^>]*checked|checked[^>]*name="offers_{clinic.chloe.id}"', form)
    answer = owner.post(f"/dashboard/setup/services/{clinic.physio.id}/providers", {
        f"offers_{clinic.chloe.id}": "y", f"duration_{clinic.chloe.id}": "", f"price_{clinic.chloe.id}": "",
        f"offers_{clinic.ben.id}": "y", f"duration_{clinic.ben.id}": "60", f"price_{clinic.ben.id}": "70.00",
    })
    assert answer.status_code == 303
    links = {row.provider_id: (row.duration_minutes, row.price)
             for row in rows(clinic.tenant, select(ProviderService).where(ProviderService.service_id == clinic.physio.id))}
    assert links == {clinic.chloe.id: (None, None), clinic.ben.id: (60, 7000)}
    form = html(owner.get(path))
    assert 'value="70.00"' in form and 'value="60"' in form
    assert actions(clinic.tenant, "Service", clinic.physio.id) == ["service.providers"]


def test_unticking_a_provider_keeps_an_inactive_providers_link(clinic, visitor):
    owner = signed_in(visitor, clinic)
    answer = owner.post(f"/dashboard/setup/services/{clinic.dental.id}/providers", {f"offers_{clinic.chloe.id}": "y"})
    assert answer.status_code == 303
    offering = rows(clinic.tenant, select(ProviderService.provider_id).where(ProviderService.service_id == clinic.dental.id))
    assert sorted(offering) == sorted([clinic.chloe.id, clinic.former.id])  # Ben unticked; Former, inactive, kept


def test_a_bad_provider_price_is_refused_at_its_field(clinic, visitor):
    owner = signed_in(visitor, clinic)
    response = owner.post(f"/dashboard/setup/services/{clinic.dental.id}/providers",
                          {f"offers_{clinic.ben.id}": "y", f"price_{clinic.ben.id}": "12.345"})
    assert response.status_code == 422
    page = html(response)
    field = page[page.index(f'name="price_{clinic.ben.id}"'):]
    assert "At most 2 decimals in GBP." in field[:field.index("</div>")] and 'value="12.345"' in page
    offering = rows(clinic.tenant, select(ProviderService.provider_id).where(ProviderService.service_id == clinic.dental.id))
    assert sorted(offering) == sorted([clinic.chloe.id, clinic.ben.id, clinic.former.id])  # nothing changed


def test_a_deactivated_service_leaves_the_booking_site_and_comes_back(clinic, visitor):
    owner = signed_in(visitor, clinic)
    guest = visitor(clinic.host)
    assert "Dental check-up" in html(guest.get("/"))
    assert owner.post(f"/dashboard/setup/services/{clinic.dental.id}/deactivate").status_code == 303
    assert "Dental check-up" not in html(guest.get("/"))
    listing = html(owner.get("/dashboard/setup/services"))
    row = row_of(listing, "Dental check-up")
    assert "Deactivated" in row and "Reactivate" in row
    assert owner.post(f"/dashboard/setup/services/{clinic.dental.id}/reactivate").status_code == 303
    assert "Dental check-up" in html(guest.get("/"))
    assert actions(clinic.tenant, "Service", clinic.dental.id) == ["service.deactivate", "service.activate"]


def category_order(page: str) -> list[str]:
    return re.findall(r'<h3>([^<]+)</h3>', page)


def test_categories_are_added_renamed_and_ordered_as_the_booking_site_shows_them(clinic, visitor):
    owner = signed_in(visitor, clinic)
    guest = visitor(clinic.host)
    assert category_order(html(guest.get("/"))) == ["Dental care", "Classes", "Physiotherapy"]
    assert owner.post("/dashboard/setup/categories/new", {"name": "Massage"}).status_code == 303
    (massage,) = rows(clinic.tenant, select(ServiceCategory).where(ServiceCategory.name == "Massage"))
    assert massage.position == 3
    listing = html(owner.get("/dashboard/setup/categories"))
    assert re.findall(r'class="category" href="[^"]+">([^<]+)<', listing) == ["Dental care", "Classes", "Physiotherapy", "Massage"]

    (classes,) = rows(clinic.tenant, select(ServiceCategory).where(ServiceCategory.name == "Classes"))
    assert owner.post(f"/dashboard/setup/categories/{classes.id}/move", {"direction": "up"}).status_code == 303
    assert category_order(html(guest.get("/"))) == ["Classes", "Dental care", "Physiotherapy"]
    assert owner.post(f"/dashboard/setup/categories/{classes.id}/move", {"direction": "down"}).status_code == 303
    assert owner.post(f"/dashboard/setup/categories/{classes.id}/move", {"direction": "down"}).status_code == 303
    assert category_order(html(guest.get("/"))) == ["Dental care", "Physiotherapy", "Classes"]
    services = html(owner.get("/dashboard/setup/services"))
    assert re.findall(r'<h2 class="category">([^<]+)', services)[:3] == ["Dental care", "Physiotherapy", "Classes"]

    assert owner.post(f"/dashboard/setup/categories/{classes.id}/edit", {"name": "Group classes"}).status_code == 303
    assert "Group classes" in category_order(html(guest.get("/")))
    assert actions(clinic.tenant, "ServiceCategory", classes.id) == [
        "category.move", "category.move", "category.move", "category.rename"]
    assert actions(clinic.tenant, "ServiceCategory", massage.id) == ["category.create"]


def test_a_category_needs_a_name(clinic, visitor):
    owner = signed_in(visitor, clinic)
    response = owner.post("/dashboard/setup/categories/new", {"name": "  "})
    assert response.status_code == 422 and "Give the category a name." in html(response)
    (dental_care,) = rows(clinic.tenant, select(ServiceCategory).where(ServiceCategory.name == "Dental care"))
    response = owner.post(f"/dashboard/setup/categories/{dental_care.id}/edit", {"name": ""})
    assert response.status_code == 422 and "Give the category a name." in html(response)
    assert rows(clinic.tenant, select(ServiceCategory.name).order_by(ServiceCategory.position)) == [
        "Dental care", "Classes", "Physiotherapy"]


def test_a_deactivated_category_is_no_longer_offered_for_new_services(clinic, visitor):
    owner = signed_in(visitor, clinic)
    (classes,) = rows(clinic.tenant, select(ServiceCategory).where(ServiceCategory.name == "Classes"))
    assert owner.post(f"/dashboard/setup/categories/{classes.id}/deactivate").status_code == 303
    assert f'value="{classes.id}"' not in html(owner.get("/dashboard/setup/services/new"))
    refused = owner.post("/dashboard/setup/services/new", service_form(clinic, category_id=classes.id))
    assert refused.status_code == 422
    # The pilates class stays in it, and can still be saved there.
    edit = f"/dashboard/setup/services/{clinic.pilates.id}/edit"
    assert f'<option selected value="{classes.id}">Classes' in html(owner.get(edit))
    assert owner.post(edit, service_form(clinic, name="Pilates group class", category_id=classes.id, capacity="6")).status_code == 303
    assert owner.post(f"/dashboard/setup/categories/{classes.id}/reactivate").status_code == 303
    assert rows(clinic.tenant, select(ServiceCategory.active).where(ServiceCategory.id == classes.id)) == [True]
    assert actions(clinic.tenant, "ServiceCategory", classes.id) == ["category.deactivate", "category.activate"]


def test_another_tenants_services_and_categories_are_404(clinic, elsewhere, visitor):
    owner = signed_in(visitor, clinic)
    theirs = elsewhere["service"].id
    with tenant_context(elsewhere["tenant"]):
        their_category = factories.save(elsewhere["tenant"], ServiceCategory(tenant_id=elsewhere["tenant"].id, name="Theirs"))
    assert owner.get(f"/dashboard/setup/services/{theirs}/edit").status_code == 404
    for action in ("edit", "policy", "providers", "deactivate"):
        assert owner.post(f"/dashboard/setup/services/{theirs}/{action}", service_form(clinic)).status_code == 404
    assert owner.get(f"/dashboard/setup/categories/{their_category.id}/edit").status_code == 404
    for action in ("edit", "move", "deactivate"):
        assert owner.post(f"/dashboard/setup/categories/{their_category.id}/{action}",
                          {"name": "Mine now", "direction": "up"}).status_code == 404
    # A category of theirs cannot be chosen for a service of ours either.
    assert owner.post("/dashboard/setup/services/new", service_form(clinic, category_id=their_category.id)).status_code == 422
    with tenant_context(elsewhere["tenant"]):
        db.session.expire_all()
        assert db.session.get(ServiceCategory, their_category.id).name == "Theirs"
        assert db.session.get(Service, theirs).active


def test_staff_are_refused(clinic, visitor):
    staff = signed_in(visitor, clinic, "staff")
    assert staff.get("/dashboard/setup/services").status_code == 403
    assert staff.get("/dashboard/setup/categories").status_code == 403
    assert staff.post("/dashboard/setup/services/new", service_form(clinic)).status_code == 403
    assert staff.post(f"/dashboard/setup/services/{clinic.dental.id}/deactivate").status_code == 403
    assert staff.post("/dashboard/setup/categories/new", {"name": "Staff room"}).status_code == 403
    assert rows(clinic.tenant, select(Service.active).where(Service.id == clinic.dental.id)) == [True]
    assert rows(clinic.tenant, select(ServiceCategory).where(ServiceCategory.name == "Staff room")) == []

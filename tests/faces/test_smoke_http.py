from tests.support import factories
from tests.support.clients import host_of
from tests.support.practice import build_practice


def test_booking_home_lists_the_tenants_services(app, visitor):
    data = build_practice("acme", name="Acme Dental")
    page = visitor(host_of(data["tenant"])).get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Acme Dental" in html
    assert data["service"].name in html
    assert "£45.00" in html or "€45.00" in html


def test_owner_signs_in_and_sees_todays_agenda(app, visitor):
    data = build_practice("acme")
    owner = visitor(host_of(data["tenant"]))
    response = owner.sign_in(data["owner"].email, factories.PASSWORD)
    assert response.status_code == 303
    page = owner.get("/dashboard/").get_data(as_text=True)
    assert "Today’s agenda" in page

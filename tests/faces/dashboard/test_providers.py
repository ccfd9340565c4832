"""Providers set-up: list, create, edit, deactivate, reactivate."""
from sqlalchemy import select

from app.core.database import db
from app.core.tenancy import all_tenants
from app.modules.audit.models import AuditEvent
from app.modules.catalogue.models import Provider, ProviderLocation, ProviderService
from tests.support import factories
from tests.support.clients import host_of
from tests.support.practice import build_practice


def signed_in(visitor, practice, role="owner"):
    user = practice["owner"] if role == "owner" else factories.user(practice["tenant"], role)
    v = visitor(host_of(practice["tenant"]))
    v.sign_in(user.email, factories.PASSWORD)
    return v


def test_create_edit_deactivate_with_audit(app, visitor):
    p = build_practice("acme")
    v = signed_in(visitor, p)
    assert v.post("/dashboard/setup/providers/new", {"name": "", "bio": "x"}).status_code == 422
    r = v.post("/dashboard/setup/providers/new", {"name": "Dana Lee", "bio": "Hygienist", "locations": [p["location"].id],
                                         "services": [p["service"].id], "user": p["owner"].id})
    assert r.status_code == 303
    with all_tenants():
        dana = db.session.scalars(select(Provider).where(Provider.name == "Dana Lee")).one()
        assert dana.user_id == p["owner"].id
        assert db.session.scalars(select(ProviderLocation.location_id).where(ProviderLocation.provider_id == dana.id)).all() == [p["location"].id]
        assert db.session.scalars(select(ProviderService.service_id).where(ProviderService.provider_id == dana.id)).all() == [p["service"].id]
    assert "Dana Lee" in v.get("/dashboard/setup/providers").get_data(as_text=True)
    assert v.post(f"/dashboard/setup/providers/{dana.id}/edit", {"name": "Dana Lee-Smith", "bio": "", "user": 0}).status_code == 303
    assert v.post(f"/dashboard/setup/providers/{dana.id}/deactivate").status_code == 303
    with all_tenants():
        db.session.expire_all()
        dana = db.session.get(Provider, dana.id)
        assert (dana.name, dana.active, dana.user_id) == ("Dana Lee-Smith", False, None)
        assert not db.session.scalars(select(ProviderLocation).where(ProviderLocation.provider_id == dana.id)).all()
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == dana.id, AuditEvent.entity_type == "Provider")).all()
    assert {"provider.created", "provider.updated", "provider.deactivated"} <= set(actions)
    assert "Reactivate" in v.get("/dashboard/setup/providers").get_data(as_text=True)


def test_other_tenant_404_and_staff_refused(app, visitor):
    acme, globex = build_practice("acme"), build_practice("globex")
    v = signed_in(visitor, acme)
    assert v.get(f"/dashboard/setup/providers/{globex['provider'].id}/edit").status_code == 404
    assert v.post(f"/dashboard/setup/providers/{globex['provider'].id}/deactivate").status_code == 404
    staff = signed_in(visitor, acme, role="staff")
    assert staff.get("/dashboard/setup/providers").status_code in (403, 404)


def test_saving_a_provider_keeps_their_links_to_inactive_locations_and_services(app, visitor):
    """The form offers only active locations and services; saving it must not drop the others."""
    p = build_practice("acme")
    closed = factories.location(p["tenant"], name="Closed branch")
    with all_tenants():
        db.session.add(ProviderLocation(tenant_id=p["tenant"].id, provider_id=p["provider"].id, location_id=closed.id))
        db.session.get(type(closed), closed.id).active = False
        db.session.commit()
    v = signed_in(visitor, p)
    form = v.get(f"/dashboard/setup/providers/{p['provider'].id}/edit").get_data(as_text=True)
    assert "Closed branch" not in form
    answer = v.post(f"/dashboard/setup/providers/{p['provider'].id}/edit",
                    {"name": p["provider"].name, "bio": "", "locations": [p["location"].id], "services": [], "user": 0})
    assert answer.status_code == 303
    with all_tenants():
        kept = db.session.scalars(select(ProviderLocation.location_id).where(ProviderLocation.provider_id == p["provider"].id)).all()
        offered = db.session.scalars(select(ProviderService.service_id).where(ProviderService.provider_id == p["provider"].id)).all()
    assert sorted(kept) == sorted([p["location"].id, closed.id])
    assert offered == []  # an active service unticked is really removed

"""Practice settings: identity, logo (checked from its content, kept in the database, served with
caching headers) and the default booking policy."""
import io

import sqlalchemy as sa

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules import availability
from app.modules.audit.models import AuditEvent
from app.modules.schedules.models import BookingPolicy
from app.modules.tenants.models import Tenant
from tests.support import factories
from tests.support.clients import host_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32


def html(response) -> str:
    return response.get_data(as_text=True)


def owner_of(clinic, visitor, role="owner"):
    guest = visitor(host_of(clinic.tenant))
    guest.sign_in(factories.user(clinic.tenant, role).email, factories.PASSWORD)
    return guest


def tenant(clinic) -> Tenant:
    db.session.expire_all()
    with tenant_context(clinic.tenant):
        return db.session.get(Tenant, clinic.tenant.id)


def actions(clinic) -> list[str]:
    with tenant_context(clinic.tenant):
        return db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()


def identity(**overrides) -> dict:
    return {"name": "Harbour Dental", "colour": "#0a7f5a", "timezone": "Europe/Dublin", "currency": "GBP",
            "custom_domain": "", **overrides}


def test_owner_changes_the_practice_identity_and_sees_the_dns_steps(clinic, visitor):
    owner = owner_of(clinic, visitor)
    page = html(owner.get("/dashboard/settings"))
    assert '<optgroup label="Europe">' in page and 'type="color"' in page and "Minimum notice" in page
    response = owner.post("/dashboard/settings", identity(custom_domain="Booking.Harbour-Dental.ie.",
                                                          providers_manage_own_hours="y"))
    assert response.status_code == 303
    saved = tenant(clinic)
    assert saved.providers_manage_own_hours is True
    assert (saved.name, saved.timezone, saved.currency, saved.custom_domain) == (
        "Harbour Dental", "Europe/Dublin", "GBP", "booking.harbour-dental.ie")
    assert saved.branding["color"] == "#0a7f5a"
    assert "tenant.settings_changed" in actions(clinic)
    # The picker always sends a colour: Sloty's own means the practice has none of its own.
    kept = {"custom_domain": "booking.harbour-dental.ie", "providers_manage_own_hours": "y"}
    assert owner.post("/dashboard/settings", identity(colour="#2563EB", **kept)).status_code == 303
    assert "color" not in tenant(clinic).branding
    assert 'value="#2563eb"' in html(owner.get("/dashboard/settings"))
    assert owner.post("/dashboard/settings", identity(**kept)).status_code == 303
    page = html(owner.get("/dashboard/settings"))
    assert "CNAME" in page and f"{clinic.tenant.slug}.sloty.test" in page
    # The booking site takes the colour, from a stylesheet cached by its version.
    home = html(visitor(host_of(clinic.tenant)).get("/"))
    assert "/brand.css?v=0a7f5a" in home
    css = visitor(host_of(clinic.tenant)).get("/brand.css?v=0a7f5a")
    assert css.get_data(as_text=True).strip() == ":root { --accent: #0a7f5a; }"
    assert "immutable" in css.headers["Cache-Control"]


def test_bad_identity_is_a_422_at_its_field_with_values_kept(clinic, visitor, elsewhere):
    owner = owner_of(clinic, visitor)
    for fields, words, field in (
        (identity(colour="red"), "A colour such as", "colour"),
        (identity(timezone="Mars/Olympus"), "is not an IANA time zone", "timezone"),
        (identity(custom_domain="https://x/y"), "A host name such as", "custom_domain"),
        (identity(custom_domain="demo.sloty.test"), "is already yours", "custom_domain"),
        (identity(currency="JPY"), "counts decimals differently", "currency"),  # its prices would change meaning
    ):
        response = owner.post("/dashboard/settings", fields)
        assert response.status_code == 422
        page = html(response)
        assert words in page and 'value="Harbour Dental"' in page
        assert f'id="{field}"' in page.split('class="error"')[0].rsplit('class="field has-error"', 1)[1]
    assert tenant(clinic).name != "Harbour Dental"


def test_a_logo_is_checked_from_its_content_and_served_with_caching_headers(clinic, visitor):
    owner = owner_of(clinic, visitor)

    def upload(data: bytes, name: str):
        return owner.post("/dashboard/settings/logo", {"logo": (io.BytesIO(data), name)})

    refused = upload(b"GIF89a" + b"\x00" * 20, "logo.png")  # named .png, is a GIF
    assert refused.status_code == 422 and "PNG, JPEG or WebP" in html(refused)
    too_big = upload(PNG + b"\x00" * (512 * 1024), "big.png")
    assert too_big.status_code == 422 and "At most 512 KB" in html(too_big)
    assert tenant(clinic).logo_type is None

    assert upload(WEBP, "logo.bin").status_code == 303
    saved = tenant(clinic)
    assert saved.logo_type == "image/webp" and saved.logo == WEBP
    version = saved.branding["logo_version"]
    home = html(visitor(host_of(clinic.tenant)).get("/"))
    assert f"/logo?v={version}" in home
    served = visitor(host_of(clinic.tenant)).get(f"/logo?v={version}")
    assert served.get_data() == WEBP and served.mimetype == "image/webp"
    assert "immutable" in served.headers["Cache-Control"] and served.headers["ETag"] == f'"{version}"'
    again = visitor(host_of(clinic.tenant)).get(f"/logo?v={version}", headers={"If-None-Match": f'"{version}"'})
    assert again.status_code == 304

    assert owner.post("/dashboard/settings/logo/remove", {}).status_code == 303
    assert tenant(clinic).logo is None
    assert visitor(host_of(clinic.tenant)).get("/logo").status_code == 404
    assert {"tenant.logo_changed", "tenant.logo_removed"} <= set(actions(clinic))


def policy(**overrides) -> dict:
    return {"min_notice_minutes": "120", "max_horizon_days": "30", "slot_interval_minutes": "30",
            "cancel_cutoff_minutes": "720", "reschedule_cutoff_minutes": "60", **overrides}


def test_the_default_booking_policy_changes_the_online_times(clinic, visitor):
    owner = owner_of(clinic, visitor)
    refused = owner.post("/dashboard/settings/booking-policy", policy(slot_interval_minutes="0"))
    assert refused.status_code == 422 and "The slot interval must be between 5" in html(refused)
    assert 'value="720"' in html(refused)
    assert owner.post("/dashboard/settings/booking-policy", policy()).status_code == 303
    with tenant_context(clinic.tenant):
        saved = db.session.scalar(sa.select(BookingPolicy).where(BookingPolicy.service_id.is_(None)))
        assert (saved.min_notice_minutes, saved.slot_interval_minutes, saved.max_horizon_days) == (120, 30, 30)
        day = clinic.day(3)
        calendar = availability.load(db.session, service=clinic.dental, location=clinic.london, first_day=day, last_day=day)
        starts = [slot.starts_at for slot in calendar.slots(clock.now())]
    assert starts and all(s.minute in (0, 30) for s in starts)
    assert "booking_policy.default_changed" in actions(clinic)


def test_staff_may_not_change_settings(clinic, visitor):
    staff = owner_of(clinic, visitor, role="staff")
    assert staff.get("/dashboard/settings").status_code == 403
    assert staff.post("/dashboard/settings", identity()).status_code == 403
    assert tenant(clinic).name != "Harbour Dental"

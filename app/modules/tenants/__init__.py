"""Practices on the platform: the Tenant model, their slugs, creation, status and addresses (``practices``)."""
from app.modules.tenants.practices import (
    RESERVED_SLUGS,
    TenantError,
    check_slug,
    check_timezone,
    create_tenant,
    set_reminder_offsets,
    site_url,
)

__all__ = [
    "RESERVED_SLUGS", "TenantError", "check_slug", "check_timezone", "create_tenant", "set_reminder_offsets",
    "site_url",
]

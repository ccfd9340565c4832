"""Practices on the platform: the Tenant model, their slugs, creation and status (``practices``)."""
from app.modules.tenants.practices import (
    RESERVED_SLUGS,
    TenantError,
    check_slug,
    check_timezone,
    create_tenant,
    set_reminder_offsets,
    set_status,
)

__all__ = [
    "RESERVED_SLUGS", "TenantError", "check_slug", "check_timezone", "create_tenant", "set_reminder_offsets",
    "set_status",
]

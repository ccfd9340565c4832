"""The data model, one module per area. Importing this package registers every table."""
from app.models.appointment import Appointment, AppointmentParticipant
from app.models.audit import AuditEvent
from app.models.base import Record, TenantOwned, UTCDateTime, utcnow
from app.models.billing import Invoice, Payment, Plan, Subscription
from app.models.customer import Customer, CustomerSignInToken
from app.models.intake import (
    AppointmentParameter,
    CustomerParameter,
    ParameterDefinition,
    ParameterOption,
    ParameterRule,
    ServiceParameter,
)
from app.models.location import Location, LocationClosure
from app.models.notification import Notification
from app.models.provider import Provider, ProviderLocation, ProviderService
from app.models.schedule import BookingPolicy, ScheduleOverride, TimeOff, WorkingHours
from app.models.service import Service, ServiceCategory
from app.models.tenant import Tenant
from app.models.user import User

__all__ = [
    "Appointment", "AppointmentParameter", "AppointmentParticipant", "AuditEvent", "BookingPolicy",
    "Customer", "CustomerParameter", "CustomerSignInToken", "Invoice", "Location", "LocationClosure", "Notification",
    "ParameterDefinition", "ParameterOption", "ParameterRule", "Payment", "Plan", "Provider",
    "ProviderLocation", "ProviderService", "Record", "ScheduleOverride", "Service",
    "ServiceCategory", "ServiceParameter", "Subscription", "Tenant", "TenantOwned", "TimeOff",
    "UTCDateTime", "User", "WorkingHours", "utcnow",
]

"""Who may do what in the dashboard, walked route by route for every role: owners and admins set the
practice up; staff (and providers, on their own calendar) run appointments and customers. A refused
request is a 403 that writes nothing; a route nobody has placed here fails the walk."""
import pytest

from tests.support import factories
from tests.support.clients import host_of
from tests.support.database import changed_tables, snapshot
from tests.support.routes import methods_of, path_of, rules_of

EVERY_MEMBER = ("owner", "admin", "staff", "provider")
SET_UP = ("owner", "admin")

# The day's work: every member (a provider sees only their own calendar's appointments).
DAILY_WORK = {
    "dashboard.agenda", "dashboard.appointment", "dashboard.approve_appointment", "dashboard.cancel_appointment",
    "dashboard.customer", "dashboard.provider", "dashboard.retry_notification",
    "dashboard.decline_appointment", "dashboard.check_in_appointment", "dashboard.complete_appointment",
    "dashboard.no_show_appointment", "dashboard.move_appointment",
    "dashboard.new_blocked_time", "dashboard.add_blocked_time",
    "dashboard.calendar", "dashboard.calendar_week", "dashboard.calendar_month", "dashboard.calendar_agenda",
    "dashboard.calendar_rooms",
    "dashboard.new_appointment", "dashboard.walk_in", "dashboard.customer_search",
    "dashboard.customers", "dashboard.update_customer_details", "dashboard.update_customer_consent",
    "dashboard.update_customer_answers", "dashboard.add_customer_note",
    "dashboard.series_review", "dashboard.create_series", "dashboard.series", "dashboard.series_calendar",
    "dashboard.move_series", "dashboard.cancel_series",
}
# A provider's calendar feed: owners and admins, and the provider themself (tests/faces/test_calendar_feed.py);
# the practice's provider here is nobody's account, so for this walk it is the set-up's alone.
CALENDAR_FEED = {"dashboard.regenerate_calendar_feed", "dashboard.revoke_calendar_feed"}
# A provider's own hours, when the practice lets providers keep them (tests/faces/dashboard/test_hours.py):
# here the practice does not, so they are the set-up's alone.
HOURS = {
    "dashboard.provider_hours", "dashboard.add_hours_override", "dashboard.remove_hours_override",
    "dashboard.add_time_off", "dashboard.remove_time_off",
}
# Setting the practice up: settings, team, catalogue, intake questions.
SETTING_UP = {
    "dashboard.getting_started", "dashboard.resend_confirmation",
    "dashboard.practice_settings", "dashboard.save_practice_settings", "dashboard.upload_logo", "dashboard.remove_logo",
    "dashboard.save_booking_policy", "dashboard.reminder_settings", "dashboard.save_waitlist_settings",
    "dashboard.team", "dashboard.invite", "dashboard.resend_invitation", "dashboard.revoke_invitation",
    "dashboard.change_role", "dashboard.deactivate_member", "dashboard.reactivate_member",
    "dashboard.locations", "dashboard.new_location", "dashboard.edit_location", "dashboard.deactivate_location",
    "dashboard.reactivate_location", "dashboard.add_location_closure", "dashboard.remove_location_closure",
    "dashboard.providers", "dashboard.new_provider", "dashboard.edit_provider", "dashboard.deactivate_provider",
    "dashboard.reactivate_provider",
    "dashboard.services", "dashboard.new_service", "dashboard.edit_service", "dashboard.service_policy",
    "dashboard.service_providers", "dashboard.deactivate_service", "dashboard.reactivate_service",
    "dashboard.resources", "dashboard.new_resource", "dashboard.edit_resource", "dashboard.deactivate_resource",
    "dashboard.reactivate_resource",
    "dashboard.categories", "dashboard.new_category", "dashboard.edit_category", "dashboard.move_category",
    "dashboard.deactivate_category", "dashboard.reactivate_category",
    "dashboard.questions", "dashboard.new_question", "dashboard.edit_question", "dashboard.deactivate_question",
    "dashboard.reactivate_question", "dashboard.add_question_option", "dashboard.rename_question_option",
    "dashboard.move_question_option", "dashboard.deactivate_question_option", "dashboard.reactivate_question_option",
    "dashboard.service_questions", "dashboard.preview_service_questions", "dashboard.attach_service_question",
    "dashboard.update_service_question", "dashboard.move_service_question", "dashboard.detach_service_question",
    "dashboard.add_service_rule", "dashboard.remove_service_rule",
    "dashboard.plan",
}
# Customers' records as a whole: merging duplicates, exports and erasure. The front desk handles
# customers' requests; a provider, who sees only the customers of their own calendar, does not.
CUSTOMER_RECORDS = {
    "dashboard.customer_duplicates", "dashboard.customer_merge", "dashboard.merge_customer",
    "dashboard.export_customer_json", "dashboard.export_customer_csv", "dashboard.customer_erasure",
    "dashboard.erase_customer",
    # The waitlist (a front desk's work: not a provider's, who sees only their own calendar).
    "dashboard.waitlist", "dashboard.offer_waitlist_time",
}
FRONT_DESK = ("owner", "admin", "staff")
# The reports and their CSVs (tests/faces/dashboard/test_reports.py): owners and admins see every figure,
# providers their own; the front desk none.
REPORTS = {
    "dashboard.reports", "dashboard.report_utilisation", "dashboard.report_revenue", "dashboard.report_customers",
    "dashboard.report_lead_time", "dashboard.report_busiest_hours",
    "dashboard.reports_csv", "dashboard.report_utilisation_csv", "dashboard.report_revenue_csv",
    "dashboard.report_customers_csv", "dashboard.report_lead_time_csv", "dashboard.report_busiest_hours_csv",
    "dashboard.report_appointments_csv",
}
# The practice's data, taken away, and paying the platform for it: its owner's alone.
OWNER_ONLY = {"dashboard.export_page", "dashboard.export_download",
              "dashboard.billing", "dashboard.subscribe", "dashboard.manage_billing"}
MAY_USE = {**dict.fromkeys(DAILY_WORK, EVERY_MEMBER), **dict.fromkeys(HOURS | SETTING_UP | CALENDAR_FEED, SET_UP),
           **dict.fromkeys(CUSTOMER_RECORDS, FRONT_DESK), **dict.fromkeys(REPORTS, (*SET_UP, "provider")),
           **dict.fromkeys(OWNER_ONLY, ("owner",))}


def test_every_dashboard_route_is_placed(app):
    unplaced = sorted({rule.endpoint for rule in rules_of(app, "dashboard")} - MAY_USE.keys())
    assert unplaced == [], f"say who may use {unplaced} in MAY_USE of tests/faces/dashboard/test_roles.py"


@pytest.mark.parametrize("role", EVERY_MEMBER)
def test_every_route_for_every_role(app, route_practice, visitor, role):
    member = visitor(host_of(route_practice["tenant"]))
    assert member.sign_in(factories.user(route_practice["tenant"], role).email, factories.PASSWORD).status_code == 303
    calls = [(rule, method, path_of(rule, route_practice)) for rule in rules_of(app, "dashboard")
             for method in methods_of(rule)]
    refused = [call for call in calls if role not in MAY_USE[call[0].endpoint]]
    allowed = [call for call in calls if role in MAY_USE[call[0].endpoint]]
    assert allowed and (refused or role in SET_UP)

    failures = []
    before = snapshot()
    for rule, method, path in refused:
        response = member.get(path) if method == "GET" else member.post(path, {})
        if response.status_code != 403:
            failures.append(f"{method} {path} ({rule.endpoint}) answered {role} {response.status_code}, not 403")
        elif "Not allowed" not in response.get_data(as_text=True):
            failures.append(f"{method} {path} ({rule.endpoint}): the 403 page does not say so")
    if changed := changed_tables(before):
        failures.append(f"refused requests of {role} changed {changed}")
    for rule, method, path in allowed:
        response = member.get(path) if method == "GET" else member.post(path, {})
        if response.status_code == 403 or response.status_code >= 500:
            failures.append(f"{method} {path} ({rule.endpoint}) answered {role} {response.status_code}")
    assert failures == [], "\n".join(failures)

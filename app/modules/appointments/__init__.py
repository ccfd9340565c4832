"""Appointments: the model, booking (race-free), the staff lifecycle, calendars and exports."""

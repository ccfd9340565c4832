"""Customers: the model, contact details, lookup and find-or-create, sign-in by link, profiles."""

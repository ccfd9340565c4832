"""Billing the practices that use the platform: plans, subscriptions, invoices, payments."""

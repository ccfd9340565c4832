"""The faces of the application: sign-in, booking site, tenant dashboard and backoffice."""

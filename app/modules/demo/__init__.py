"""Demo data for trying Sloty locally."""

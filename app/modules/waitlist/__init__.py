"""The waitlist: customers waiting for a time, the holds and offers that refill cancelled times."""

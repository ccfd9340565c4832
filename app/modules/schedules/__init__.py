"""When providers work: weekly hours, date overrides, time off, and booking policies."""

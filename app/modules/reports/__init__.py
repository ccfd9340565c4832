"""The practice's reports: figures over a range of dates, aggregated in the database, charted and exported."""

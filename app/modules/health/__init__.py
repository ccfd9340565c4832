"""System health for the platform's operators: probes of the database and Redis (``probes``), and
the RQ queues, workers and failed jobs (``queues``)."""

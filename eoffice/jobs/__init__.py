"""Background jobs: RQ on Redis, or the same jobs in-process in embedded mode."""

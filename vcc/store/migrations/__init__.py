"""vcc's Alembic migrations; run them with ``vcc db upgrade`` (``vcc.store.migrate``)."""

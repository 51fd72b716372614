"""Persistence: SQLAlchemy 2 async models, Alembic migrations, and the repository.

SQLite (WAL) by default, PostgreSQL through asyncpg. ``upgrade(url)`` creates or
migrates the schema (``vcc db upgrade``); ``create_engine`` and ``session_factory``
give sessions, which ``vcc.store.repository`` functions take explicitly.
"""

from vcc.store.database import create_engine, database_url, session_factory
from vcc.store.migrate import head_revision, upgrade

__all__ = ["create_engine", "database_url", "head_revision", "session_factory", "upgrade"]

"""Persistence: SQLAlchemy models, repositories, migrations and search.

Nothing here connects at import time: `storage.db.Database` is built from settings in
`main` and handed down. Repositories take a session and never commit; the caller (one
command or one job) owns the unit of work.
"""

"""Alembic migrations of the store, shipped inside the package (run by ``labelnr.storage.db``)."""

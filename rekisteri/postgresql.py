"""PostgreSQL housekeeping: reading timestamps with psycopg's compiled loader.

psycopg is imported only when a PostgreSQL connection is made: an app on SQLite (the
default) does not load it."""

from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any


@lru_cache
def _loader(zone: tzinfo | None) -> Any:
    """A timestamptz loader that parses with the compiled loader psycopg's own adapters
    use (psycopg[binary]) and gives the value the time zone Django's loader gives it.

    Django's loader derives from psycopg's pure-Python one, which cannot be derived from
    in its compiled form (Django ticket #36960, psycopg issue #1273): every timestamp read
    was parsed by a regular expression in Python, a third of the time of reading a
    customer's 1,000 rows for the access report (issue 12). None when psycopg has no
    compiled loader (its pure-Python build): Django's stays."""
    from psycopg import abc, adapters, postgres
    from psycopg.adapt import Loader
    from psycopg.pq import Format
    from psycopg.types.datetime import TimestamptzLoader

    compiled = adapters.get_loader(postgres.types["timestamptz"].oid, Format.TEXT)
    if compiled is None or compiled is TimestamptzLoader:
        return None
    parser: type[abc.Loader] = compiled

    class CompiledTzLoader(Loader):
        # Read by Django's DatabaseWrapper.create_cursor(), which puts its own loader
        # back on a cursor whose connection's zone differs from this one.
        timezone = zone

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            self._parse = parser(oid, context).load

        def load(self, data: Any) -> datetime:
            # As django.db.backends.postgresql.psycopg_any.BaseTzLoader does: the value
            # is in the connection's zone (UTC, settings.USE_TZ), given Django's tzinfo.
            return self._parse(data).replace(tzinfo=zone)

    return CompiledTzLoader


def use_compiled_timestamps(sender: object, connection: Any, **kwargs: object) -> None:
    """connection_created: a new PostgreSQL connection reads timestamps with _loader."""
    if getattr(connection, "vendor", "") != "postgresql":
        return
    loader = _loader(connection.timezone)
    if loader is not None:
        connection.connection.adapters.register_loader("timestamptz", loader)

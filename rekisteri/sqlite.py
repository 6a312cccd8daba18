"""SQLite housekeeping: moving the write-ahead log into the database file."""

import logging
from pathlib import Path

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)


def checkpoint_sqlite() -> None:
    """Move the write-ahead log into the database file and empty it (TRUNCATE).

    With `PRAGMA secure_delete=ON` (settings) deleted rows are zeros in the database file;
    the checkpoint makes sure no earlier copy of their pages stays in `-wal`. Called after
    an erasure, and after the last message to an erased person is sent and deleted. Best
    effort: SQLite checkpoints a busy database by itself soon after.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except DatabaseError:
        logger.warning("A WAL checkpoint could not run.", exc_info=True)


def restrict_file_modes(sender: object, connection: object, **kwargs: object) -> None:
    """connection_created: the SQLite files hold personal data: readable by the app's user
    only (0600). SQLite creates them with the process's umask; this narrows them."""
    if getattr(connection, "vendor", "") != "sqlite":
        return
    name = str(getattr(connection, "settings_dict", {}).get("NAME", ""))
    if not name or name.startswith(":memory:") or "mode=memory" in name:
        return
    for path in (Path(name), Path(f"{name}-wal"), Path(f"{name}-shm")):
        try:
            if path.exists() and path.stat().st_mode & 0o077:
                path.chmod(0o600)
        except OSError:
            logger.warning("Could not narrow the mode of %s", path, exc_info=True)

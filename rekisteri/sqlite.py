"""SQLite housekeeping: moving the write-ahead log into the database file."""

import logging

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

"""A test helper: the same work in several threads at once (two workers, two clicks)."""

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def at_once(work: Callable[[], T], *, count: int = 2, timeout: float = 60) -> list[T]:
    """Run `work` in `count` threads that start it together (a barrier), each on its own
    database connection, closed after; what each returned. An error in a thread, or a
    thread still running after `timeout`, fails the caller."""
    barrier = threading.Barrier(count)
    results: list[T] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            barrier.wait()
            results.append(work())
        except BaseException as error:  # noqa: BLE001 - raised in the caller below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    return results

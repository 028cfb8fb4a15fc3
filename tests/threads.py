"""Real concurrency for the PostgreSQL tests: calls released at the same instant in threads."""

import threading
from collections.abc import Callable

from django.db import close_old_connections, connection


def run_together(calls: list[Callable[[], object]], *, timeout: float = 120) -> list[object]:
    """Run the calls in threads released at the same instant; return each result or exception.

    Each thread has its own database connection (Django's are per thread), closed when it is done."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # the test looks at what each thread got
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    close_old_connections()
    return results

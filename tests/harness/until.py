"""Poll for a condition with a deadline: the only way tests wait for anything."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from typing import Any

POLL_INTERVAL = 0.02


async def eventually(
    condition: Callable[[], Any],
    *,
    timeout: float = 10.0,
    what: str = "condition",
) -> Any:
    """Call ``condition`` until it returns something truthy; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.1f} s waiting for: {what}")
        await asyncio.sleep(POLL_INTERVAL)  # the poll period, not a synchronisation sleep

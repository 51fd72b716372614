"""Fixtures shared by the console's tests (tests/console) and the real-PBX ones."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from playwright.async_api import Browser

from tests.harness.browser import chromium


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, started once; each test opens its own browser contexts."""
    async with chromium() as browser:
        yield browser

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.harness.pbx import PbxHarness


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def harness() -> AsyncIterator[PbxHarness]:
    harness = PbxHarness.for_tests()
    await harness.start()
    yield harness
    await harness.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def pbx(harness: PbxHarness) -> AsyncIterator[PbxHarness]:
    await harness.reset()
    yield harness


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/pbx/" in str(item.fspath):
            item.add_marker(pytest.mark.pbx)

"""What the benchmarks share: percentiles, a bounded run of a real-PBX harness, results."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.harness.pbx import PbxHarness
from vcc.engine import Engine
from vcc.errors import PbxError

RESULTS = Path(__file__).resolve().parent / "results"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile: a value that was actually measured."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(values: list[float]) -> dict[str, float]:
    pcts = {f"p{p}": percentile(values, p) for p in (50, 90, 99)}
    return {"n": len(values), **pcts, "max": max(values)}


async def run_bounded(pbx: PbxHarness, work: Callable[[], Awaitable[None]], deadline: float) -> str:
    """Start the harness, do ``work`` within ``deadline`` seconds, always stop it.

    Returns why the run is incomplete, or '' if it is not."""
    budget = asyncio.timeout(deadline)
    failure = ""
    try:
        async with budget:
            await pbx.start()
            await work()
    except TimeoutError:
        if budget.expired():
            failure = f"deadline of {deadline:.0f} s reached"
        else:
            failure = "an action timed out (traceback above)"
            traceback.print_exc()
    except (AssertionError, PbxError) as exc:  # a harness wait timed out, or AMI failed
        failure = str(exc)
    finally:
        await pbx.stop()
    return failure


def write_results(name: str, text: str, data: dict[str, Any]) -> None:
    """``bench/results/<name>.txt`` for people, ``.json`` with every number."""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.txt").write_text(text)
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=1, ensure_ascii=False))
    print(text, end="")
    print(f"written to {RESULTS}/{name}.{{txt,json}}")


async def ping(engine: Engine, pings: list[float], count: int) -> None:
    """``count`` AMI round trips on the engine's own connection, in ms, into ``pings``."""
    for _ in range(count):
        pings.append(await engine.driver.ping() * 1000)


def at_least(minimum: float, kind: type[int] | type[float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {kind.__name__}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be ≥ {minimum}, got {text}")
        return value

    return parse


def call_arguments(
    prog: str, description: str | None, *, calls: int, calls_help: str, deadline: float
) -> argparse.ArgumentParser:
    """The options the real-call benchmarks share: how many calls, a deadline, the path."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--calls", type=at_least(1, int), default=calls, help=calls_help)
    parser.add_argument(
        "--deadline",
        type=at_least(1, float),
        default=deadline,
        help=f"give up after this many seconds (default {deadline:.0f})",
    )
    parser.add_argument(
        "--no-fast-path",
        action="store_true",
        help="no reservations: vcc rings the agent by Originate once the caller is in",
    )
    return parser

"""Options shared by several commands, and the parsers behind them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

from katana_core import BudgetConfig, KatanaError

from ._run import BACKENDS

__all__ = [
    "backend_option",
    "base_url_option",
    "parse_pairs",
    "parse_since",
    "rate_limit_option",
]

F = TypeVar("F", bound=Callable[..., Any])

_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def backend_option(function: F) -> F:
    return click.option(
        "--backend",
        type=click.Choice(BACKENDS),
        default="asyncio",
        show_default=True,
        help="The event loop to run on.",
    )(function)


def base_url_option(function: F) -> F:
    return click.option(
        "--base-url",
        metavar="URL",
        default=None,
        help="API root; default: KATANA_BASE_URL (environment or .env), else "
        "Katana's production API. The key comes from KATANA_API_KEY, a .env "
        "file or ~/.netrc.",
    )(function)


def _budget(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> BudgetConfig | None:
    if value is None:
        return None
    count, sep, seconds = value.partition("/")
    try:
        return BudgetConfig(limit=int(count), window_s=float(seconds if sep else 60))
    except (ValueError, KatanaError):
        raise click.BadParameter(
            f"expected REQUESTS/SECONDS such as 60/60, got {value!r}"
        ) from None


def rate_limit_option(function: F) -> F:
    return click.option(
        "--rate-limit",
        "rate_budget",
        metavar="N/SECONDS",
        default=None,
        callback=_budget,
        help="The key's quota, if not Katana's default of 60 requests per 60 s. "
        "The server's X-Ratelimit-Limit replaces N when it reports one; the "
        "window length is never learnt, so state it for a server whose window is "
        "not 60 s.",
    )(function)


def parse_pairs(values: Iterable[str], option: str) -> list[tuple[str, str]]:
    """``KEY=VALUE`` texts as ordered pairs; a repeated key repeats in the query."""
    pairs = []
    for text in values:
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(
                f"expected KEY=VALUE, got {text!r}", param_hint=option
            )
        pairs.append((key.strip(), value))

    return pairs


def parse_since(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """An ISO 8601 date or date-time (UTC unless it says otherwise), or a duration
    back from ``now`` such as ``90m``, ``24h`` or ``7d``."""
    now = now or dt.datetime.now(dt.UTC)
    match = _DURATION.match(text.strip().lower())
    if match:
        try:
            return now - dt.timedelta(seconds=int(match[1]) * _UNIT_S[match[2]])
        except OverflowError:
            raise click.BadParameter(
                f"{text!r} reaches back before year 1", param_hint="--since"
            ) from None

    try:
        stamp = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is neither an ISO 8601 date-time (2026-01-31T08:00:00Z) nor "
            "a duration (90m, 24h, 7d)",
            param_hint="--since",
        ) from None

    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)

    return stamp

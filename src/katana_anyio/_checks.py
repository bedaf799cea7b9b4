"""Checks of option values shared by the client and its typed layers."""

from __future__ import annotations

import math

from katana_core import InvalidRequest

__all__ = ["check_call_options", "is_count", "is_seconds"]


def is_seconds(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def check_call_options(
    *, timeout: object, deadline: object, max_items: object = None
) -> None:
    """Refuse a call's options before anything is sent, with a typed error."""
    for name, value in (("timeout", timeout), ("deadline", deadline)):
        if value is not None and not is_seconds(value):
            raise InvalidRequest(f"{name} must be > 0 seconds, got {value!r}")
    if max_items is not None and not (
        isinstance(max_items, int)
        and not isinstance(max_items, bool)
        and max_items >= 0
    ):
        raise InvalidRequest(f"max_items must be an integer >= 0, got {max_items!r}")


def is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1

"""Runtime helpers behind the generated models: base classes, custom types, hooks.

Theory of operation
-------------------
Katana's payloads drift from the published schemas (../shared/DESIGN.md, "Models"), so
response models are built to keep reading when they do:

- every response field is optional with a ``None`` default, and unknown fields are
  ignored (msgspec's default);
- enums are plain ``str`` fields, so a value the schema does not list is kept;
- responses are decoded in msgspec's lax mode (``strict=False``): ``"12"`` reads as
  ``12``, ``"true"`` as ``True``, and the string ``"null"`` as ``None`` for a
  non-string field; numbers and numeric strings both read as :class:`~decimal.Decimal`;
- date-time fields use :class:`Timestamp`, decoded by :func:`dec_hook`: full ISO
  timestamps with ``Z``, date-only strings (midnight UTC), and the literals
  ``"null"``/``"undefined"``/``""`` (read as ``None``);
- a nested object that arrives as ``{}`` where the object is absent reads as ``None``.

msgspec refuses a ``None`` returned by a decode hook, so the hook returns the
:data:`_ABSENT` sentinel and :meth:`KatanaModel.__post_init__` replaces it with
``None``; the generated classes list their date and nested-object fields in class
variables so that check touches only those fields.

Request models are the opposite: strict (an unknown field is an error, as Katana
answers 422 to one) and sparse (unset fields are left out of the body, so a PATCH
carries only what the caller changed).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import msgspec

__all__ = [
    "UNSET",
    "KatanaModel",
    "KatanaRequest",
    "Timestamp",
    "UnsetType",
    "dec_hook",
    "enc_hook",
]

UNSET = msgspec.UNSET
UnsetType = msgspec.UnsetType

# Katana writes these where a date is missing; serial-number transfers do both.
_NULL_LITERALS = frozenset({"null", "undefined", ""})


class Timestamp(dt.datetime):
    """A date-time read from Katana: always timezone-aware (UTC when unstated)."""


# Stands in for ``None`` between the decode hook and ``__post_init__``.
_ABSENT = Timestamp(1, 1, 1, tzinfo=dt.UTC)


def _parse_timestamp(text: str) -> Timestamp:
    if text.strip().lower() in _NULL_LITERALS:
        return _ABSENT

    value = Timestamp.fromisoformat(text.strip())
    if value.tzinfo is None:
        # Date-only strings and offset-less timestamps: Katana's clock is UTC.
        value = value.replace(tzinfo=dt.UTC)

    return value


def dec_hook(type_: type, obj: Any) -> Any:
    """Decode the custom types of the models (msgspec ``dec_hook``)."""
    if type_ is Timestamp:
        if isinstance(obj, str):
            return _parse_timestamp(obj)
        if isinstance(obj, dt.datetime):
            aware = obj if obj.tzinfo is not None else obj.replace(tzinfo=dt.UTC)
            return Timestamp.fromtimestamp(aware.timestamp(), tz=aware.tzinfo)
        if isinstance(obj, int | float) and not isinstance(obj, bool):
            # Lax mode would read epoch seconds for a plain datetime; do the same.
            return Timestamp.fromtimestamp(obj, tz=dt.UTC)

        raise TypeError(f"expected an ISO 8601 date-time, got {type(obj).__name__}")

    raise NotImplementedError(f"no decoder for {type_!r}")


def enc_hook(obj: Any) -> Any:
    """Encode the custom types of the models (msgspec ``enc_hook``)."""
    if isinstance(obj, dt.datetime):
        return obj.isoformat()

    raise NotImplementedError(f"cannot encode {type(obj).__name__}")


def _is_blank(value: object) -> bool:
    if not isinstance(value, KatanaModel):
        return False

    return all(getattr(value, name) is None for name in value.__struct_fields__)


class KatanaModel(msgspec.Struct, kw_only=True):
    """Base of every response model: tolerant, see the module docstring."""

    # Filled in by the generator: the fields holding a Timestamp, a nested model.
    __katana_dates__: ClassVar[tuple[str, ...]] = ()
    __katana_nested__: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        for name in self.__katana_dates__:
            if getattr(self, name) is _ABSENT:
                setattr(self, name, None)

        for name in self.__katana_nested__:
            if _is_blank(getattr(self, name)):
                setattr(self, name, None)


class KatanaRequest(
    msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """Base of every request model: strict, and unset fields stay off the wire."""

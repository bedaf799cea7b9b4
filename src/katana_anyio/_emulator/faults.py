"""Fault injection: scripted faults in a queue, or random ones drawn from the seed.

Theory of operation. Before a request reaches the API, the exchange asks the queue
for a fault. Scripted faults (``emulator.faults.push(Fault(...))``) are served first,
in order, each matching an optional method and path prefix and lasting ``times``
requests. When none matches and a random fault rate is set, a seeded draw decides,
so a failing run replays exactly with the same seed and the same request order.

Faults that damage a real response (latency, slow body, header damage, truncation)
let the request reach the API first: its write is applied and its rate-limit slot
taken. Faults that replace the response (a 5xx or a 429 from the gateway, a
dropped connection) reach the API only when ``applied=True``, which models the
dangerous case of a write that happened although the client never learns of it.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, replace
from typing import Literal, get_args

import anyio

from .app import Response, error_response
from .http import ResponseWriter

__all__ = ["FAULT_KINDS", "Fault", "FaultKind", "FaultQueue", "apply_fault"]

FaultKind = Literal[
    "latency",
    "status",
    "disconnect",
    "slow_body",
    "malformed_header",
    "missing_header",
    "truncated_json",
    "truncated_body",
]
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)

# What a proxy in front of the API sends when the API is down: not JSON at all.
_HTML_BODY = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
)
_REASONS = {
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}

# Values that no parser of the header's documented form accepts.
_MALFORMED = {
    "x-pagination": '{"total_records": "12", "total_pages":',
    "x-ratelimit-limit": "sixty",
    "x-ratelimit-remaining": "-",
    "x-ratelimit-reset": "soon",
    "retry-after": "later",
    "content-type": "application/jsn",
}


@dataclass(frozen=True)
class Fault:
    """One injected fault.

    ``kind`` selects the fault; ``status`` and ``html`` shape a ``"status"`` fault;
    ``retry_after`` is the ``Retry-After`` value of a 429 (``None`` leaves the
    header out, as some gateways do; any text, valid or not, is sent as given);
    ``delay_s`` is the pause of ``"latency"`` and between ``"slow_body"`` chunks;
    ``header`` names the header to damage or drop; ``applied`` lets a
    ``"status"`` or ``"disconnect"`` request reach the API first. ``method`` and
    ``path`` (a prefix such as ``"/v1/products"``) restrict the requests it hits;
    ``times`` is how many requests it hits.
    """

    kind: FaultKind
    status: int = 503
    html: bool = False
    delay_s: float = 0.0
    header: str | None = None
    applied: bool = False
    retry_after: str | None = "1"
    method: str | None = None
    path: str | None = None
    times: int = 1

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")

        if self.kind == "status" and self.status not in _REASONS:
            raise ValueError(
                f"status faults are 500, 502, 503 or 504 (or a 429), not {self.status}"
            )

        if self.kind in ("malformed_header", "missing_header") and not self.header:
            raise ValueError(f"a {self.kind} fault needs the header's name")

        if self.times < 1:
            raise ValueError("times must be at least 1")

    @property
    def reaches_api(self) -> bool:
        """Whether the request is handled (write applied, slot taken) first."""
        return self.applied or self.kind not in ("status", "disconnect")

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False

        return self.path is None or path.startswith(self.path)


class FaultQueue:
    """Scripted faults first, then random ones at ``rate`` drawn from the seed."""

    def __init__(self, seed: int) -> None:
        self._scripted: deque[Fault] = deque()
        self._rng = random.Random(f"{seed}:faults")
        self.rate = 0.0
        self.random_kinds: tuple[Fault, ...] = (
            Fault("status", status=502),
            Fault("status", status=503, html=True),
            Fault("status", status=504),
            Fault("disconnect"),
            Fault("latency", delay_s=0.05),
        )

    def push(self, fault: Fault) -> None:
        """Script ``fault`` for the next matching requests."""
        self._scripted.append(fault)

    def clear(self) -> None:
        """Drop every scripted fault and switch random faults off."""
        self._scripted.clear()
        self.rate = 0.0

    def __len__(self) -> int:
        return len(self._scripted)

    def next_for(self, method: str, path: str) -> Fault | None:
        """The fault for this request, if any, consuming one use of it."""
        for fault in self._scripted:
            if fault.matches(method, path):
                self._scripted.remove(fault)
                if fault.times > 1:
                    self._scripted.appendleft(replace(fault, times=fault.times - 1))

                return fault

        if self.rate > 0 and self._rng.random() < self.rate:
            return self._rng.choice(self.random_kinds)

        return None


def _status_response(fault: Fault, rate_headers: list[tuple[str, str]]) -> Response:
    if fault.html:
        reason = _REASONS[fault.status]
        body = _HTML_BODY.format(status=fault.status, reason=reason).encode()
        return Response(fault.status, [("Content-Type", "text/html")], body)

    response = error_response(fault.status)
    response.headers.extend(rate_headers)
    if fault.status == 429 and fault.retry_after is not None:
        response.headers.append(("Retry-After", fault.retry_after))

    return response


def _damage_header(fault: Fault, response: Response) -> Response:
    assert fault.header is not None
    name = fault.header.lower()
    kept = [(key, value) for key, value in response.headers if key.lower() != name]
    if fault.kind == "malformed_header":
        kept.append((fault.header, _MALFORMED.get(name, "not a valid value")))

    return replace(response, headers=kept)


async def apply_fault(
    fault: Fault,
    response: Response | None,
    writer: ResponseWriter,
    rate_headers: list[tuple[str, str]],
) -> None:
    """Send what ``fault`` makes of ``response`` (or nothing at all)."""
    if fault.kind == "disconnect":
        await writer.abort()
        return

    if fault.kind == "status" or response is None:
        damaged = _status_response(fault, rate_headers)
        await writer.send(damaged)
        return

    if fault.kind in ("malformed_header", "missing_header"):
        response = _damage_header(fault, response)

    if fault.kind == "truncated_json":
        response = replace(response, body=response.body[: len(response.body) // 2])

    if fault.kind == "truncated_body":
        await writer.send_partial(response, len(response.body) // 2)
        return

    delay_s = fault.delay_s if fault.kind == "slow_body" else 0.0
    if fault.kind == "latency":
        await anyio.sleep(fault.delay_s)

    await writer.send(response, chunk_delay_s=delay_s)

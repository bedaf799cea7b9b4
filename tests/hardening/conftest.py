"""The hardening run's closing summary: what was tried, and the duplicates found."""

from __future__ import annotations

import pytest
from hard_support import TALLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the tally once the run is over, if any hardening test ran."""
    if not TALLY.scenarios:
        return

    terminalreporter.write_sep("=", "hardening summary")
    for line in TALLY.lines():
        terminalreporter.write_line(line)

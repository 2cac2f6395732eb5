"""The one error the lab raises for expected failures: the CLI prints it on one line."""

from __future__ import annotations


class LabError(Exception):
    """An expected lab failure, e.g. ``dockerd did not answer within 60 s (see <log>)``."""

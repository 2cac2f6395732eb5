"""Secret redaction: every text that leaves Orion (terminal, run record, report, prompt) goes through here."""

from __future__ import annotations

import re
from typing import Any

MASK = "***"

# Shapes of credentials that may show up in a probe's output even when Orion did not load them.
_PATTERNS = (
    re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b"),  # Telegram bot token
    re.compile(r"(?i)(authorization:\s*(?:bearer|basic)\s+)\S+"),
    re.compile(r"(?i)(x-api-key:\s*)\S+"),
    re.compile(r"\bqbt_[A-Za-z0-9]{16,}\b"),  # qBittorrent API key
    re.compile(r"(?i)((?:password|passwd|secret|token|api_?key)\s*[=:]\s*)[^\s,;&\"']+"),
    re.compile(r"(://[^/\s:@]+:)[^/\s@]+(@)"),  # user:password@ in URLs
)

_known: set[str] = set()


def register(secret: str) -> None:
    """Remember a secret value so that it is masked wherever it appears."""
    if len(secret) >= 4:
        _known.add(secret)


def text(value: str) -> str:
    for secret in sorted(_known, key=len, reverse=True):
        value = value.replace(secret, MASK)
    for pattern in _PATTERNS:
        value = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + MASK + _tail(m), value)
    return value


def _tail(match: re.Match[str]) -> str:
    return match.group(2) if match.re.groups >= 2 else ""


def data(value: Any) -> Any:
    """Redact every string inside JSON-like data."""
    if isinstance(value, str):
        return text(value)
    if isinstance(value, dict):
        return {key: data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [data(item) for item in value]
    return value

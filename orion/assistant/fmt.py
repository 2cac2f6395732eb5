"""Figures as a person reads them, in French or English: sizes, durations, times, percentages."""

from __future__ import annotations

from datetime import datetime

UNITS = {"fr": ("o", "Ko", "Mo", "Go", "To"), "en": ("B", "KB", "MB", "GB", "TB")}


def size(value: float | None, lang: str) -> str:
    if value is None:
        return "?"
    units = UNITS.get(lang, UNITS["en"])
    n, i = float(value), 0
    sign = "-" if n < 0 else ""
    n = abs(n)
    while n >= 1024 and i < len(units) - 1:
        n, i = n / 1024, i + 1
    text = f"{n:.0f}" if i == 0 or n >= 100 else f"{n:.1f}"
    return f"{sign}{_dec(text, lang)} {units[i]}"


def growth(value: float | None, lang: str) -> str:
    if value is None:
        return "?"
    return ("+" if value >= 0 else "") + size(value, lang)


def pct(part: float | None, whole: float | None, lang: str) -> str:
    if part is None or not whole:
        return "?"
    return _dec(f"{100 * part / whole:.0f}", lang) + (" %" if lang == "fr" else "%")


def ago(seconds: float | None, lang: str) -> str:
    if seconds is None:
        return "?"
    s = max(0, int(seconds))
    d, h, m = s // 86400, s % 86400 // 3600, s % 3600 // 60
    text = f"{d} j {h} h" if d and lang == "fr" else f"{d}d {h}h" if d else f"{h} h {m:02d}" if h and lang == "fr" \
        else f"{h}h{m:02d}" if h else f"{m} min"  # fmt: skip
    return f"il y a {text}" if lang == "fr" else f"{text} ago"


def hm(when: datetime) -> str:
    return when.astimezone().strftime("%H:%M")


def day_hm(when: datetime) -> str:
    return when.astimezone().strftime("%d/%m %H:%M")


def num(value: float, lang: str) -> str:
    return _dec(f"{value:.1f}", lang)


def _dec(text: str, lang: str) -> str:
    return text.replace(".", ",") if lang == "fr" else text

"""The weekly report's chart: one PNG with the failing requirements per day (bars) and the HDD's use (a line),
drawn with matplotlib's Agg backend (no display needed)."""

from __future__ import annotations

import io
from datetime import UTC, datetime


def week_png(
    days: list[str],
    failures: list[int],
    hdd: list[tuple[float, float]],
    *,
    failures_label: str,
    hdd_label: str,
    title: str,
) -> bytes:
    """`days` (YYYY-MM-DD) with their failure counts; `hdd` as (unix time, bytes used)."""
    from matplotlib.figure import Figure  # a bare Figure draws with Agg: no pyplot, no display
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(7, 3.2), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    starts = [datetime.strptime(d, "%Y-%m-%d").replace(tzinfo=UTC) for d in days]
    ax.bar([s.timestamp() + 43200 for s in starts], failures, width=86400 * 0.7, color="#d0312d", label=failures_label)
    ax.set_ylabel(failures_label)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xticks([s.timestamp() + 43200 for s in starts], [s.strftime("%d/%m") for s in starts])
    ax.set_ylim(0, max([*failures, 1]) * 1.25)
    ax.set_title(title)
    if hdd:
        right = ax.twinx()
        right.plot([t for t, _ in hdd], [v / 1e9 for _, v in hdd], color="#1f5fa8", marker=".", label=hdd_label)
        right.set_ylabel(hdd_label)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()

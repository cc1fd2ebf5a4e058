"""History against simulation: the distribution of each clock per severity, as CDFs.

One panel per severity; in each, for every clock the tickets stamp, the share of tickets
whose clock is within x hours (solid: history) beside the same share over the simulated
incidents of every replication (dashed). Where the dashed line lies above the solid one,
the model is faster than history was.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from simsvc.backtest import Backtest

COLOURS = {
    "response": "tab:blue",
    "assigned": "tab:purple",
    "arrival": "tab:orange",
    "resolution": "tab:green",
}


def _cdf(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.sort(values[np.isfinite(values)])
    return x, np.arange(1, len(x) + 1) / max(len(values), 1)


def backtest_chart(result: Backtest, metrics: tuple[str, ...] = tuple(COLOURS)) -> Figure:
    """CDF of each clock per severity, history (solid) against simulation (dashed); hours."""
    severities = [s.id for s in result.scenario.severity]
    figure = Figure(figsize=(4.2 * len(severities), 3.6), layout="constrained")
    axes = figure.subplots(1, len(severities), squeeze=False)[0]
    for ax, severity in zip(axes, severities, strict=True):
        for metric in metrics:
            past = result.history_clocks.get((severity, metric))
            if past is None or len(past) == 0:
                continue
            colour = COLOURS.get(metric, "tab:gray")
            x, y = _cdf(past)
            ax.step(x, y, where="post", color=colour, label=f"{metric} (history, {len(past)})")
            x, y = _cdf(result.simulated_clocks(severity, metric))
            ax.plot(x, y, color=colour, linestyle="--", linewidth=1, label=f"{metric} (model)")
        ax.set_title(severity)
        ax.set_xscale("symlog", linthresh=1.0)
        ax.set_xlabel("hours from report (log scale beyond 1 h)")
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylim(0, 1.01)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("share within x hours")
    axes[-1].legend(fontsize=7, loc="lower right")
    return figure


def figure_png(figure: Figure, dpi: int = 110) -> bytes:
    """A figure as PNG bytes (for :func:`simsvc.result_files.write_bytes`)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


__all__ = ["backtest_chart", "figure_png"]

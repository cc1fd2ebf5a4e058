"""The printed summary of a fit: every estimate with its interval and the tickets behind it."""

from __future__ import annotations

import math

from simsvc.fitting.calibration import FitResult


def _number(value: float) -> str:
    if not math.isfinite(value):
        return "-"
    return f"{value:.4g}"


def fit_summary(result: FitResult) -> str:
    """A plain-text table: key, estimate, interval, n, written or not, and notes."""
    level = f"{result.confidence:.0%}"
    rows = [("estimate", "value", f"{level} interval", "n", "written", "note")]
    for e in result.estimates:
        rows.append(
            (
                e.key,
                _number(e.value),
                f"[{_number(e.ci_low)}, {_number(e.ci_high)}]",
                str(e.n),
                "yes" if e.written else "no",
                e.unit + (f"; {e.note}" if e.note else ""),
            )
        )
    widths = [max(len(r[k]) for r in rows) for k in range(5)]
    lines = [result.history.summary(), ""]
    for row in rows:
        lines.append(
            "  ".join(cell.ljust(w) for cell, w in zip(row[:5], widths, strict=True))
            + "  "
            + row[5]
        )
    if result.durations:
        lines += ["", "on-site time by severity (AIC per family; lower is better):"]
        for severity, fit in result.durations.items():
            aic = ", ".join(f"{k} {v:.1f}" for k, v in sorted(fit.aic.items(), key=lambda x: x[1]))
            lines.append(
                f"  {severity}: {fit.family} from {fit.n} visits; KS distance"
                f" {fit.ks_distance:.3f} (p = {fit.ks_pvalue:.2g}); AIC {aic}"
            )
    if result.profiles:
        lines += ["", "report profiles (chi-square test against flat):"]
        for name, p in result.profiles.items():
            written = f"arrivals.{name}_profile" in result.changes
            verdict = (
                "not tested"
                if not p.complete
                else ("differs from flat" if p.pvalue < 1 - result.confidence else "flat")
            )
            lines.append(
                f"  {name}: {verdict} (chi2 {p.chi2:.1f}, p = {p.pvalue:.2g}, {p.n} tickets)"
                + ("; written" if written else "")
            )
    for note in result.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines)


__all__ = ["fit_summary"]

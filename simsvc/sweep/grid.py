"""Sweeps: the same scenario simulated at every point of a grid of what-if variations.

A sweep varies fields of a scenario (see :mod:`simsvc.scenario.variation`) over a full grid of
their values, or over a Latin-hypercube sample of that grid, and simulates every point
with the same seed: replication ``r`` of every point draws the same faults (common
random numbers), so differences between points are the resources', not chance's.

A full grid has at most :data:`MAX_GRID_POINTS` points (:class:`GridTooLarge` otherwise);
a sample is drawn from the axes' sizes alone, so a grid of billions of points is never
built to draw a few of them.

Results are one row per point and commitment (the varied values, the commitment,
its attainment with a confidence interval, whether it is met, the yearly cost). Each
finished point is appended at once to a journal beside the output (``.<name>.journal``,
one JSON line per point, synced), and the output is rewritten atomically from time to
time and when the sweep ends, which removes the journal. So a sweep killed outright
keeps every finished point: the next run merges the journal into the file first. Running
the same sweep again skips the points the file already holds (same values, seed,
replications and scenario). One sweep at a time writes an output: a second is refused
while the first holds the lock beside it (``.<name>.lock``, with its process id).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import math
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from simsvc.result_files import (
    OutputError,
    check_target,
    companion_path,
    output_lock,
    remove_temporary_files,
    sync_path,
    write_table,
)
from simsvc.results import ReplicationSummary, RunResult
from simsvc.runner import Runner, experiment_jobs
from simsvc.scenario.errors import ScenarioError
from simsvc.scenario.schema import Scenario
from simsvc.scenario.variation import Axis, Value, VaryError, vary

_clock = time.monotonic  # tests put a fake clock here

Point = tuple[Value, ...]
"""One value per axis, in the order of the axes."""

RESULT_COLUMNS = (
    "commitment",
    "severity",
    "metric",
    "clock",
    "zone",
    "within_hours",
    "goal",
    "attainment",
    "ci_low",
    "ci_high",
    "met",
    "verdict",
    "period",
    "breach_risk",
    "risk_ci_low",
    "risk_ci_high",
    "all_met",
    "cost_engineers",
    "cost_desk",
    "cost_remote",
    "cost_on_call",
    "cost_holding",
    "cost_penalties",
    "cost_total",
    "seed",
    "replications",
    "scenario_digest",
)
"""Columns of a sweep's output after one column per varied path."""


MAX_GRID_POINTS = 1_000_000
"""The most points a sweep runs: a full grid, or a sample of a larger one."""


class GridTooLarge(VaryError, ValueError):
    """A grid or a sample of more points than a sweep runs (the message gives both counts)."""


def grid_size(axes: Sequence[Axis]) -> int:
    """The number of points of the full grid of ``axes`` (the grid itself is not built)."""
    return math.prod(len(axis.values) for axis in axes)


def grid_points(axes: Sequence[Axis]) -> list[Point]:
    """Every combination of the axes' values, the last axis varying fastest.

    Raises :class:`GridTooLarge` for a grid of more than :data:`MAX_GRID_POINTS` points.
    """
    size = grid_size(axes)
    if size > MAX_GRID_POINTS:
        shape = " x ".join(f"{len(axis.values):,}" for axis in axes)
        raise GridTooLarge(
            f"the grid of {shape} values has {size:,} points, more than the"
            f" {MAX_GRID_POINTS:,} a sweep runs; vary fewer values, or pass --sample N to"
            " simulate N points drawn from it"
        )
    return list(itertools.product(*(axis.values for axis in axes)))


def sample_points(axes: Sequence[Axis], count: int, seed: int) -> list[Point]:
    """``count`` distinct points of the grid drawn by Latin hypercube sampling.

    Each axis's interval [0, 1) is cut into as many equal strata as it has values, so
    when ``count`` is a multiple of an axis's size every value appears equally often.
    A point drawn twice is replaced from a further design of the same seeded sampler.
    The same ``seed`` gives the same points; ``count`` at or above the grid size gives
    the whole grid. The grid is never built: each axis's index is drawn from its size.
    Raises :class:`GridTooLarge` for more than :data:`MAX_GRID_POINTS` points.
    """
    from scipy.stats import qmc

    sizes = [len(axis.values) for axis in axes]
    if count >= math.prod(sizes):
        return grid_points(axes)
    if count > MAX_GRID_POINTS:
        raise GridTooLarge(
            f"a sample of {count:,} points is more than the {MAX_GRID_POINTS:,} a sweep runs;"
            " ask for fewer"
        )
    rng = np.random.default_rng(seed)
    try:
        sampler = qmc.LatinHypercube(d=len(axes), rng=rng)
    except TypeError:  # scipy < 1.15 calls it seed
        sampler = qmc.LatinHypercube(d=len(axes), seed=rng)
    chosen: dict[tuple[int, ...], None] = {}  # an ordered set
    while len(chosen) < count:
        for row in sampler.random(count):
            index = tuple(min(int(u * n), n - 1) for u, n in zip(row, sizes, strict=True))
            chosen.setdefault(index, None)
            if len(chosen) == count:
                break
    return [
        tuple(axis.values[i] for axis, i in zip(axes, index, strict=True))
        for index in sorted(chosen)
    ]


def scenario_digest(scenario: Scenario) -> str:
    """A short fingerprint of a scenario's validated content (comments and layout aside).

    Keys added to the format later are left out while they hold their default, so that a
    sweep journalled before they existed still matches its scenario.
    """
    defaults = {key for key in ("country", "workdays") if not getattr(scenario.calendar, key)}
    exclude = {"calendar": defaults} if defaults else None
    return hashlib.sha256(scenario.model_dump_json(exclude=exclude).encode()).hexdigest()[:16]


def point_rows(axes: Sequence[Axis], point: Point, result: RunResult) -> list[dict[str, Any]]:
    """The output rows of one simulated point: one per commitment, from its results tables."""
    cost = {f"cost_{name}": amount for name, amount in result.cost().items()}
    table = result.commitments()
    all_met = bool(table["met"].all())
    varied: dict[str, Any] = {axis.path: value for axis, value in zip(axes, point, strict=True)}
    rows = []
    for row in table.to_dict("records"):
        rows.append(
            varied
            | {
                "commitment": row["label"],
                "severity": row["severity"],
                "metric": row["metric"],
                "clock": row["clock"],
                "zone": row["zone"],
                "within_hours": row["within_hours"],
                "goal": row["goal"],
                "attainment": row["attainment"],
                "ci_low": row["ci_low"],
                "ci_high": row["ci_high"],
                "met": bool(row["met"]),
                "verdict": row["verdict"],
                "period": row["period"],
                "breach_risk": row["breach_risk"],
                "risk_ci_low": row["risk_ci_low"],
                "risk_ci_high": row["risk_ci_high"],
                "all_met": all_met,
                **cost,
                "seed": result.seed,
                "replications": len(result.replications),
            }
        )
    return rows


class SweepFile:
    """A sweep's output table: the rows already there, a journal, and atomic rewrites.

    Rows of other points (other values, seed, replications or scenario) are kept. Every
    point added is appended to the journal beside the file at once, so no finished point
    is lost even to a SIGKILL. The file is rewritten after every point while that is
    cheap; once a rewrite takes long (a very large sweep), rewrites are spaced so that
    they take at most a tenth of the time, and :meth:`close` writes the rest and removes
    the journal when the sweep ends or is interrupted. Change the file only while
    holding :meth:`locked`; :meth:`load` reads it and a journal left by a killed sweep.
    """

    def __init__(self, target: str | Path, axes: Sequence[Axis]) -> None:
        self.target = Path(target)
        self.axes = list(axes)
        self.columns = [axis.path for axis in axes] + list(RESULT_COLUMNS)
        suffix = self.target.suffix.lower()
        if suffix not in (".csv", ".parquet", ".pq"):
            raise OutputError(f"{self.target}: expected a .csv or .parquet file name")
        check_target(self.target)
        if suffix != ".csv":
            try:
                import pyarrow  # type: ignore[import-untyped]  # noqa: F401
            except ImportError:
                raise OutputError(
                    f"{self.target}: writing Parquet needs pyarrow: pip install 'simsvc[parquet]'"
                ) from None
        self.journal = companion_path(self.target, "journal")
        self.earlier = pd.DataFrame(columns=self.columns)
        """The rows of the file and of the journal when last loaded."""
        self.unmerged = False
        """Whether :attr:`earlier` holds rows of the journal that the file does not."""
        self.new_rows: dict[int, list[dict[str, Any]]] = {}
        self.unwritten = 0
        self._next_write = 0.0
        self._stamp: tuple[int, ...] | None = None
        self._journal_file: IO[str] | None = None

    def locked(self) -> contextlib.AbstractContextManager[None]:
        """The exclusive lock on the file (:func:`~simsvc.result_files.output_lock`)."""
        return output_lock(self.target)

    def load(self) -> None:
        """Read the rows of every point finished so far: the file's, then the journal's."""
        self._stamp = self._state()
        earlier = self._read()
        done = set(self.row_keys(earlier))
        merged: list[dict[str, Any]] = []
        for rows in self._read_journal():
            key = self._row_key(rows[0])
            if key not in done:
                done.add(key)
                merged.extend(rows)
        if merged:
            added = pd.DataFrame(merged, columns=self.columns)
            earlier = added if earlier.empty else pd.concat([earlier, added], ignore_index=True)
        self.earlier = earlier
        self.unmerged = bool(merged)
        self.new_rows = {}
        self.unwritten = 0
        self._next_write = 0.0

    def changed(self) -> bool:
        """Whether the file or the journal changed since :meth:`load`."""
        return self._state() != self._stamp

    def _state(self) -> tuple[int, ...]:
        state: list[int] = []
        for path in (self.target, self.journal):
            try:
                info = path.stat()
            except OSError:
                state += [-1, -1, -1]
            else:
                state += [info.st_ino, info.st_size, info.st_mtime_ns]
        return tuple(state)

    def settle(self) -> None:
        """Merge a journal left by a killed sweep into the file and remove it, and remove
        the temporary files of killed rewrites. Call it holding :meth:`locked`."""
        remove_temporary_files(self.target)
        if self.journal.exists():
            if self.unmerged:
                write_table(self.target, self.earlier)
                self.unmerged = False
            self._remove_journal()
            self._stamp = self._state()

    def _read(self) -> pd.DataFrame:
        empty = pd.DataFrame(columns=self.columns)
        if not self.target.exists() or self.target.stat().st_size == 0:
            return empty
        try:
            if self.target.suffix.lower() == ".csv":
                table = pd.read_csv(self.target)
            else:
                table = pd.read_parquet(self.target)
        except Exception as error:  # any reader's complaint: the file is not ours to extend
            raise OutputError(
                f"{self.target}: exists but cannot be read as a sweep result ({error});"
                " give another --out"
            ) from None
        if set(table.columns) != set(self.columns):
            varied = [c for c in table.columns if c not in RESULT_COLUMNS]
            raise OutputError(
                f"{self.target}: holds a sweep over other fields ({', '.join(varied) or 'none'});"
                " vary the same paths to extend it, or give another --out"
            )
        return table[self.columns]

    def _read_journal(self) -> list[list[dict[str, Any]]]:
        """The rows of each point of the journal; a line cut short by a kill is left out."""
        try:
            text = self.journal.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        except OSError as error:
            raise OutputError(
                f"{self.journal}: cannot read the journal of {self.target}:"
                f" {error.strerror or error}"
            ) from None
        points = []
        columns = set(self.columns)
        for line in text.splitlines():
            try:
                rows = json.loads(line)
            except json.JSONDecodeError:
                continue  # the last line, cut short while the sweep was killed
            if not isinstance(rows, list) or any(
                not isinstance(row, dict) or set(row) != columns for row in rows
            ):
                raise OutputError(
                    f"{self.journal}: holds points of another sweep than this one on"
                    f" {self.target.name}; vary the same paths to finish it, or remove it"
                )
            if rows:
                points.append(rows)
        return points

    def row_keys(self, table: pd.DataFrame) -> list[tuple[str, ...]]:
        """The key of the point of each row of ``table``."""
        columns = [[axis.key(v) for v in table[axis.path].tolist()] for axis in self.axes]
        columns += [
            [str(int(v)) for v in table["seed"].tolist()],
            [str(int(v)) for v in table["replications"].tolist()],
            [str(v) for v in table["scenario_digest"].tolist()],
        ]
        return list(zip(*columns, strict=True))

    def _row_key(self, row: dict[str, Any]) -> tuple[str, ...]:
        """The key of the point of one row, as :meth:`row_keys` gives it."""
        values = tuple(axis.key(row[axis.path]) for axis in self.axes)
        return (
            *values,
            str(int(row["seed"])),
            str(int(row["replications"])),
            str(row["scenario_digest"]),
        )

    def key(self, point: Point, seed: int, replications: int, digest: str) -> tuple[str, ...]:
        """The key of a point of this sweep, as :meth:`keys` reads it from the file."""
        values = tuple(axis.key(v) for axis, v in zip(self.axes, point, strict=True))
        return (*values, str(seed), str(replications), digest)

    def add(self, index: int, rows: list[dict[str, Any]]) -> None:
        """Add the rows of the point numbered ``index``: to the journal at once, and to
        the file unless it was just rewritten."""
        self._journal(rows)
        self.new_rows[index] = rows
        self.unwritten += 1
        if _clock() >= self._next_write:
            self.flush()

    def _journal(self, rows: list[dict[str, Any]]) -> None:
        line = json.dumps(rows, default=_json_value, ensure_ascii=False) + "\n"
        try:
            if self._journal_file is None:
                self._journal_file = open(self.journal, "a", encoding="utf-8")  # noqa: SIM115
                sync_path(self.journal.parent)  # the journal's name survives a crash too
            self._journal_file.write(line)
            self._journal_file.flush()
            os.fsync(self._journal_file.fileno())
        except OSError as error:
            raise OutputError(
                f"{self.journal}: cannot write the journal of {self.target}:"
                f" {error.strerror or error}"
            ) from None

    def flush(self) -> None:
        """Rewrite the file atomically with every row added so far."""
        if not self.unwritten:
            return
        start = _clock()
        write_table(self.target, self.table())
        self.unwritten = 0
        finish = _clock()
        self._next_write = finish + 9 * (finish - start)

    def close(self) -> None:
        """Write every row added to the file, then remove the journal that also holds them."""
        if self._journal_file is not None:
            self._journal_file.close()
            self._journal_file = None
        self.flush()
        if not self.unmerged:
            self._remove_journal()

    def _remove_journal(self) -> None:
        try:
            self.journal.unlink(missing_ok=True)
        except OSError as error:
            raise OutputError(
                f"{self.journal}: cannot remove the journal of {self.target}:"
                f" {error.strerror or error}"
            ) from None

    def table(self) -> pd.DataFrame:
        """Every row: the file's earlier rows, then this run's in point order."""
        new = [row for index in sorted(self.new_rows) for row in self.new_rows[index]]
        if not new:
            return self.earlier
        added = pd.DataFrame(new, columns=self.columns)
        if self.earlier.empty:
            return added
        return pd.concat([self.earlier, added], ignore_index=True)


def _json_value(value: Any) -> Any:
    """A numpy scalar of a row as the Python value JSON writes."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to a sweep journal")


class Sweep:
    """A sweep over ``points`` of ``axes``, written to ``out``; finished points are skipped."""

    def __init__(
        self,
        scenario: Scenario,
        axes: Sequence[Axis],
        points: Sequence[Point],
        out: str | Path,
        *,
        replications: int | None = None,
        seed: int | None = None,
    ) -> None:
        self.scenario = scenario
        self.axes = list(axes)
        self.points = list(points)
        self.replications = replications or scenario.scenario.replications
        self.seed = scenario.scenario.seed if seed is None else seed
        self.digest = scenario_digest(scenario)
        self.file = SweepFile(out, axes)
        self.keys = [self._key(p) for p in self.points]
        self.pending: list[int] = []
        """Numbers of the points not yet in the output file, in order."""
        with self.file.locked():  # refused at once while another sweep writes the file
            self._load()

    def _load(self) -> None:
        """Read the file (merging a killed sweep's journal into it) and find what is left."""
        self.file.load()
        self.file.settle()
        done = set(self.file.row_keys(self.file.earlier))
        self.pending = [k for k, key in enumerate(self.keys) if key not in done]

    def _key(self, point: Point) -> tuple[str, ...]:
        return self.file.key(point, self.seed, self.replications, self.digest)

    def scenario_at(self, index: int) -> Scenario:
        """The scenario of point ``index``."""
        point = self.points[index]
        try:
            return vary(self.scenario, self.axes, point)
        except ScenarioError as error:
            where = ", ".join(a.describe(v) for a, v in zip(self.axes, point, strict=True))
            raise ScenarioError(error.problems, f"point {where}") from None

    def run(self, runner: Runner, progress: Callable[[int], None] | None = None) -> None:
        """Simulate every pending point on ``runner``; each is kept as soon as it is done.

        The output is locked for the whole run (:class:`OutputError` if another sweep
        holds it). ``progress`` is called with the number of points finished so far.
        """
        with self.file.locked():
            if self.file.changed():  # another sweep wrote it since it was read
                self._load()
            self._run(runner, progress)

    def _run(self, runner: Runner, progress: Callable[[int], None] | None) -> None:
        scenarios = {index: self.scenario_at(index) for index in self.pending}  # all valid first
        batches = (
            experiment_jobs(scenarios[index], self.seed, range(self.replications))
            for index in self.pending
        )
        try:
            for k, summaries in runner.batches(batches, progress):
                index = self.pending[k]
                self._finish(index, scenarios.pop(index), summaries)
        finally:
            self.file.close()  # also when interrupted: no finished point is lost

    def _finish(self, index: int, scenario: Scenario, summaries: list[ReplicationSummary]) -> None:
        result = RunResult(scenario=scenario, seed=self.seed, replications=summaries)
        rows = point_rows(self.axes, self.points[index], result)
        for row in rows:
            row["scenario_digest"] = self.digest
        self.file.add(index, rows)

    def results(self) -> pd.DataFrame:
        """The rows of this sweep's points (run now or found in the file), in point order."""
        table = self.file.table()
        if table.empty:
            return table
        order = {key: k for k, key in enumerate(self.keys)}
        keys = self.file.row_keys(table)
        rank = pd.Series([order.get(key, -1) for key in keys], index=table.index)
        mine = table[rank >= 0]
        return mine.iloc[np.argsort(rank[rank >= 0].to_numpy(), kind="stable")].reset_index(
            drop=True
        )


def describe_results(results: pd.DataFrame, axes: Sequence[Axis], currency: str) -> str:
    """A few lines on a sweep's results: how many points meet every commitment, the cheapest."""
    if results.empty:
        return "no points simulated"
    paths = [axis.path for axis in axes]
    points = results.groupby(paths, sort=False, dropna=False).agg(
        all_met=("met", "all"), cost_total=("cost_total", "first")
    )
    good = points[points["all_met"]]
    lines = [f"{len(good)} of {len(points)} points meet every commitment"]
    if not good.empty:
        best = good["cost_total"].idxmin()
        values = best if isinstance(best, tuple) else (best,)
        where = ", ".join(a.describe(v) for a, v in zip(axes, values, strict=True))
        lines.append(f"cheapest of them: {where} ({good['cost_total'].min():,.0f} {currency}/yr)")
    return "\n".join(lines)

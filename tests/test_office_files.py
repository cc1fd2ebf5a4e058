"""Excel and Word outputs: ``run --xlsx``, ``plan --format xlsx``, ``promise --format xlsx|docx``.

Each file is opened again with openpyxl or python-docx and its cells checked: numbers are
numbers, shares carry a percentage format, the headers are in the language asked for, and
every commitment, severity and zone has its row.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import docx
import openpyxl
import pytest

import simsvc
from simsvc.cli.main import main
from simsvc.planner.promise import PromiseTable, promise

DATA = Path(__file__).parent / "data"
SMALL = DATA / "small.toml"
SIM = ["-n", "2", "--seed", "5", "--workers", "1", "-q"]
YEAR_SIM = ["-n", "3", "--seed", "5", "--workers", "1", "-q"]
"""Enough incidents in every cell of the year's promise table for a bound."""


@pytest.fixture(scope="module")
def run_result() -> simsvc.RunResult:
    scenario = simsvc.load_scenario(SMALL)
    return simsvc.run_experiment(scenario, replications=2, seed=5, workers=1)


@pytest.fixture(scope="module")
def year_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small scenario over a year: enough incidents in every cell for a promise."""
    path = tmp_path_factory.mktemp("year") / "year.toml"
    text = SMALL.read_text("utf-8")
    assert 'horizon = "30d"' in text
    path.write_text(text.replace('horizon = "30d"', 'horizon = "365d"'), "utf-8")
    return path


@pytest.fixture(scope="module")
def promise_table(year_file: Path) -> PromiseTable:
    table = promise(simsvc.load_scenario(year_file), replications=3, seed=5, workers=1)
    assert all(c.hours is not None for row in table.rows for c in row.cells.values())
    return table


def _rows(sheet: openpyxl.worksheet.worksheet.Worksheet) -> list[list[object]]:
    return [[c.value for c in row] for row in sheet.iter_rows()]


def _column(sheet: openpyxl.worksheet.worksheet.Worksheet, header: str) -> int:
    names = [c.value for c in sheet[1]]
    assert header in names, (header, names)
    return names.index(header) + 1


def test_run_workbook_holds_every_table_with_numbers_as_numbers(
    tmp_path: Path, run_result: simsvc.RunResult, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.xlsx"
    assert main(["run", str(SMALL), *SIM, "--xlsx", str(out)]) == 0
    assert f"results workbook written to {out}" in capsys.readouterr().out
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [
        "about",
        "commitments",
        "costs",
        "per base",
        "desk",
        "per depot",
        "stock",
    ]
    sheet = book["commitments"]
    assert sheet.freeze_panes == "B2"
    assert all(c.font.bold for c in sheet[1])
    expected = run_result.commitments()
    ids = [row[0] for row in _rows(sheet)[1:]]
    assert ids == list(expected.index)  # every commitment, in file order
    attainment = _column(sheet, "attainment")
    goal = _column(sheet, "goal")
    for r, commitment in enumerate(expected.index, start=2):
        cell = sheet.cell(r, attainment)
        assert isinstance(cell.value, int | float) and not isinstance(cell.value, bool)
        assert cell.value == pytest.approx(expected.loc[commitment, "attainment"])
        assert cell.number_format == "0.0%"
        assert sheet.cell(r, goal).number_format == "0.0%"
    within = sheet.cell(2, _column(sheet, "within (h)"))
    assert within.value == pytest.approx(4.0) and within.number_format == "0.00"
    assert sheet.column_dimensions["B"].width > 10  # fitted to the labels

    costs = book["costs"]
    cost = {row[0]: row[1] for row in _rows(costs)[1:]}
    assert cost == pytest.approx(run_result.cost())
    assert costs.cell(2, 2).number_format == "#,##0"
    base = book["per base"]
    utilisation = base.cell(2, _column(base, "utilization"))
    assert 0 < utilisation.value < 1 and utilisation.number_format == "0.0%"  # type: ignore[operator]
    depot = book["per depot"]
    assert depot.cell(2, 1).value == "main"
    assert depot.cell(2, _column(depot, "fill_rate")).number_format == "0.0%"


def test_run_workbook_in_chinese(tmp_path: Path) -> None:
    out = tmp_path / "结果.xlsx"
    assert main(["run", str(SMALL), *SIM, "--xlsx", str(out), "--lang", "zh"]) == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:3] == ["说明", "服务承诺", "年成本"]
    headers = [c.value for c in book["服务承诺"][1]]
    for word in ("承诺", "故障级别", "时限（小时）", "目标", "达成率", "置信下限", "结论"):
        assert word in headers
    verdicts = {row[headers.index("结论")] for row in _rows(book["服务承诺"])[1:]}
    assert verdicts <= {"达成", "未达成", "未定"}
    assert [row[0] for row in _rows(book["年成本"])[1:]] == [
        "工程师",
        "服务台",
        "远程支持",
        "值班待命",
        "备件持有",
        "罚金",
        "合计",
    ]


def test_promise_workbook_has_a_row_per_severity_and_zone(
    tmp_path: Path, year_file: Path, promise_table: PromiseTable
) -> None:
    out = tmp_path / "promise.xlsx"
    assert main(["promise", str(year_file), *YEAR_SIM, "--format", "xlsx", "--out", str(out)]) == 0
    sheet = openpyxl.load_workbook(out)["promise"]
    rows = _rows(sheet)
    header = rows[0]
    assert header[:3] == ["Severity", "name", "Zone"]
    keys = [(r[0], r[2]) for r in rows[1:]]
    assert keys == [(row.severity, row.zone) for row in promise_table.rows]
    assert keys == [("L1", "city"), ("L1", "suburb"), ("L2", "city"), ("L2", "suburb")]
    hours = header.index("On site (h)")
    attained = header.index("On site attainment") + 1
    for r, row in enumerate(promise_table.rows, start=2):
        cell = row.cells["arrival"]
        assert sheet.cell(r, hours + 1).value == pytest.approx(cell.hours)
        assert sheet.cell(r, hours + 1).number_format == "0.00"
        assert sheet.cell(r, attained).value == pytest.approx(cell.attainment)
        assert sheet.cell(r, attained).number_format == "0.0%"
        assert sheet.cell(r, header.index("On site") + 1).value.endswith(" h")  # type: ignore[union-attr]
        assert sheet.cell(r, header.index("On site incidents") + 1).value == cell.incidents


def test_promise_document_in_the_tender_layout(
    tmp_path: Path, year_file: Path, promise_table: PromiseTable
) -> None:
    out = tmp_path / "承诺.docx"
    argv = ["promise", str(year_file), *YEAR_SIM, "--format", "docx", "--lang", "zh"]
    argv += ["--out", str(out)]
    assert main(argv) == 0
    document = docx.Document(str(out))
    assert document.paragraphs[0].text == "售后服务承诺"
    assert "95%的故障在表中时限内完成" in document.paragraphs[1].text
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "故障级别",
        "区域",
        "响应时间",
        "到场时间",
        "解决时间",
    ]
    _, expected = promise_table.grid("zh", sizes=False)
    assert [[c.text for c in row.cells] for row in table.rows[1:]] == expected
    # A level's cell spans its zone rows; the rows of different levels are separate.
    assert table.cell(1, 0)._tc is table.cell(2, 0)._tc
    assert table.cell(2, 0)._tc is not table.cell(3, 0)._tc
    assert {c.text for c in table.columns[0].cells[1:]} == {"L1", "L2"}
    assert "工作时间" in table.cell(3, 4).text  # L2 resolution is on the business clock


def test_promise_document_in_english(promise_table: PromiseTable, tmp_path: Path) -> None:
    from simsvc.tender_document import write_promise_document

    out = tmp_path / "promise.docx"
    write_promise_document(out, promise_table, "en")
    table = docx.Document(str(out)).tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert header == ["Severity", "Zone", "Response", "On site", "Resolution"]
    assert len(table.rows) == 1 + len(promise_table.rows)


def test_plan_workbook(tmp_path: Path) -> None:
    out = tmp_path / "plan.xlsx"
    argv = ["plan", str(SMALL), *SIM, "--format", "xlsx", "--out", str(out)]
    assert main(argv) == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["about", "plan", "costs", "commitments", "per base", "per depot"]
    plan = _rows(book["plan"])
    assert plan[0] == ["resource", "plan", "current", "15% rule"]
    assert plan[1][0] == "engineers at north" and plan[1][2] == 2  # the file's 2 engineers
    assert all(isinstance(v, int) for row in plan[1:] for v in row[1:])
    costs = {row[0]: row[1:] for row in _rows(book["costs"])[1:]}
    for k in range(3):
        parts = sum(costs[kind][k] for kind in ("engineers", "desk", "holding", "penalties"))
        assert math.isclose(costs["total"][k], parts)  # type: ignore[arg-type]
    assert book["commitments"].max_row == 3  # a header and the two commitments


def test_missing_office_package_is_one_clear_message_before_simulating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("simulated although the workbook could not be written")

    monkeypatch.setattr("simsvc.experiment.run_experiment", never)
    monkeypatch.setattr("simsvc.planner.promise.run_experiment", never)
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # import openpyxl raises ImportError
    monkeypatch.setitem(sys.modules, "docx", None)
    out = tmp_path / "results.xlsx"
    assert main(["run", str(SMALL), *SIM, "--xlsx", str(out)]) == 2
    error = capsys.readouterr().err
    assert error.strip() == (
        "error: writing Excel files needs the Python package 'openpyxl', which is not"
        " installed: pip install 'simsvc[office]'"
    )
    argv = ["promise", str(SMALL), *SIM, "--format", "docx", "--out", str(tmp_path / "p.docx")]
    assert main(argv) == 2
    assert "'python-docx'" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["promise", "--format", "xlsx"], "--format xlsx needs --out FILE.xlsx"),
        (["promise", "--format", "docx", "--out", "{tmp}/table.xlsx"], "expected a .docx file"),
        (["plan", "--out", "{tmp}/plan.xlsx"], "--out goes with --format xlsx"),
        (["run", "--xlsx", "{tmp}"], "is a folder"),
        (["run", "--xlsx", "{tmp}/missing/r.xlsx"], "does not exist"),
    ],
    ids=["no-out", "wrong-suffix", "out-without-format", "folder", "no-folder"],
)
def test_bad_office_outputs_are_refused_before_simulating(
    argv: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("simulated although the output was refused")

    monkeypatch.setattr("simsvc.experiment.run_experiment", never)
    monkeypatch.setattr("simsvc.planner.promise.run_experiment", never)
    monkeypatch.setattr("simsvc.planner.search.plan", never)
    command, *options = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main([command, str(SMALL), *SIM, *options]) == 2
    assert message in capsys.readouterr().err


def test_workbook_is_written_atomically_and_to_a_device(tmp_path: Path) -> None:
    out = tmp_path / "results.xlsx"
    out.write_text("an older file")
    assert main(["run", str(SMALL), *SIM, "--xlsx", str(out)]) == 0
    assert openpyxl.load_workbook(out).sheetnames[0] == "about"  # replaced whole
    assert [p.name for p in tmp_path.iterdir()] == ["results.xlsx"]  # no temporary left
    assert main(["run", str(SMALL), *SIM, "--xlsx", "/dev/null"]) == 0
    assert Path("/dev/null").is_char_device()  # written to, never replaced

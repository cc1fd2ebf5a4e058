"""Ticket files: a hand-made messy export gives the right counts and messages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from simsvc.cli.main import main
from simsvc.scenario import load_scenario
from simsvc.tickets import TicketFileError, parse_mapping, read_tickets

DATA = Path(__file__).parent / "data"
TRUTH = load_scenario(DATA / "fit_truth.toml")

MESSY = """\
工单号,站点,设备类型,故障级别,报修,响应时间,派工时间,到场时间,解决时间,远程解决,备件,工程师,服务站,备注
T1,s1,gate,L1,2027-03-01 09:30,2027-03-01 09:31,2027-03-01 09:50,2027-03-01 10:40,\
2027-03-01 12:00,否,psu,张三,north,ok
T2,s2,server,L2,46447.5,46447.501,,,46447.6,是,,,,Excel serial dates
T3,s9,gate,L1,2027-03-02 08:00,,,,,,,,,site not in the scenario
T2,s2,server,L2,46447.5,46447.501,,,46447.6,是,,,,duplicate
T4,s3,gate,L3,2027/3/3 8:05,,,,,,,,,missing stamps are fine
T5,s3,gate,L3,,,,,,,,,,no report time
T6,s4,gate,L2,2027-03-04 10:00,2027-03-04 09:00,,,,,,,,responded before reported
T7,s4,gate,L2,2027-03-04 10:00,,,,2027-03-04 13:00,maybe,,,,bad flag
T8,s3,server,L1,2027-03-05 10:00,,,,,,,,,no server at s3
T9,s4,gate,L9,2027-03-05 10:00,,,,,,,,,unknown severity
T10,s4,gate,L1,yesterday,,,,,,,,,unreadable time
"""


@pytest.fixture()
def messy(tmp_path: Path) -> Path:
    path = tmp_path / "工单.csv"
    path.write_text(MESSY, encoding="utf-8")
    return path


def test_the_messy_file_gives_the_right_counts_and_messages(messy: Path) -> None:
    history = read_tickets(messy, TRUTH, columns={"reported": "报修"})
    assert history.rows == 11
    assert list(history.table["ticket"]) == ["T1", "T2", "T4"]
    reasons = dict(history.problems)
    assert sorted(reasons) == [4, 5, 7, 8, 9, 10, 11, 12]
    assert "site 's9' is not in the scenario" in reasons[4]
    assert "duplicate ticket 'T2' (first at line 3)" in reasons[5]
    assert "no reported time" in reasons[7]
    assert "responded 2027-03-04 09:00:00 is before reported" in reasons[8]
    assert "remote_fixed: expected yes or no" in reasons[9]
    assert "the scenario has no server at site s3" in reasons[10]
    assert "severity 'L9' is not in the scenario" in reasons[11]
    assert "cannot read 'yesterday' as a date and time" in reasons[12]
    assert history.unused_columns == ["备注"]
    t1, t2, t4 = (history.table.iloc[k] for k in range(3))
    assert t1["arrived"] == dt.datetime(2027, 3, 1, 10, 40)
    assert not t1["remote_fixed"] and t1["part"] == "psu" and t1["engineer"] == "张三"
    assert t2["reported"] == dt.datetime(2027, 3, 1, 12, 0)  # Excel day 46447 is 2027-03-01
    assert t2["remote_fixed"]
    assert t4["reported"] == dt.datetime(2027, 3, 3, 8, 5)
    assert history.start == dt.date(2027, 3, 1) and history.end == dt.date(2027, 3, 4)


def test_the_command_lists_the_rows_and_exits_2_unless_told_to_skip(
    messy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "fitted.toml"
    args = ["fit", str(messy), "--scenario", str(DATA / "fit_truth.toml"), "-o", str(out)]
    assert main([*args, "--columns", "report=报修"]) == 2
    err = capsys.readouterr().err
    assert "8 rows left out" in err and "line 12: ticket T10" in err
    assert "8 of 11 rows cannot be used" in err and "--skip-bad-rows" in err
    assert not out.exists()
    assert main([*args, "--columns", "report=报修", "--skip-bad-rows"]) == 0
    assert out.exists()
    assert "equipment.gate.failures_per_year" in capsys.readouterr().out


def test_header_problems_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("ticket,site,equipment\nT1,s1,gate\n", encoding="utf-8")
    with pytest.raises(TicketFileError, match=r"t.csv, line 1: no column for severity, reported"):
        read_tickets(path, TRUTH)
    with pytest.raises(TicketFileError, match=r"no column headed '报修时间'"):
        read_tickets(path, TRUTH, columns={"reported": "报修时间"})
    with pytest.raises(ValueError, match="unknown ticket field 'when'"):
        parse_mapping("when=报修时间")


def test_offsets_need_a_time_zone(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "ticket,site,equipment,severity,reported\nT1,s1,gate,L1,2027-03-01T01:30:00Z\n",
        encoding="utf-8",
    )
    with pytest.raises(TicketFileError, match=r"line 2: .* carries a UTC offset; .* --tz"):
        read_tickets(path, TRUTH)
    history = read_tickets(path, TRUTH, time_zone="Asia/Shanghai")
    assert history.table["reported"][0] == dt.datetime(2027, 3, 1, 9, 30)


def test_excel_files_with_date_cells(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["工单号", "站点", "设备", "级别", "报修时间", "解决时间"])
    sheet.append(["A1", "s1", "gate", "L2", dt.datetime(2027, 5, 1, 8, 0), 46508.5])
    path = tmp_path / "t.xlsx"
    book.save(path)
    history = read_tickets(path, TRUTH)
    assert history.problems == []
    assert history.table["resolved"][0] == dt.datetime(2027, 5, 1, 12, 0)
    assert history.table["remote_fixed"][0]  # resolved without an arrival

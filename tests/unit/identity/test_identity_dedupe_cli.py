"""``crmsync dedupe`` end to end on small CSV files, through Typer's CliRunner."""

from __future__ import annotations

import csv
from pathlib import Path

import typer
from typer.testing import CliRunner

from sync.cli.dedupe import register
from sync.identity.filemapping import job_from_options
from sync.identity.fileread import read_table
from sync.identity.settings import MatchSettings

SETTINGS = MatchSettings()

CRM = [
    ["Id", "Vorname", "Nachname", "E-Mail", "Telefon", "Geburtstag"],
    ["1", "Jürgen", "Müller", "j.mueller@example.de", "0171 1234567", "03.02.1971"],
    ["2", "Ayşe", "Yılmaz", "ayse.yilmaz@example.com", "", "1990-05-06"],
    ["3", "Ayse", "Yilmaz", "ayse.yilmaz@example.com", "", "1990-05-06"],
]
SHOP = [
    ["customer", "first", "last", "mail", "crm"],
    ["a", "Juergen", "Mueller", "J.Mueller@Example.de", "1"],
    ["b", "Tom", "Baker", "tom@example.org", ""],
]


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def app() -> typer.Typer:
    application = typer.Typer()
    register(application)
    application.callback()(lambda: None)
    return application


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_dedupe_writes_clusters_pairs_and_a_report(tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "systems:\n"
        "  crm:\n    file: crm.csv\n    role: crm\n    id: Id\n"
        "    columns: {Vorname: first_name, Nachname: last_name, E-Mail: email,"
        " Telefon: phone, Geburtstag: birthday}\n"
        "  shop:\n    file: shop.csv\n    id: customer\n"
        "    columns: {first: first_name, last: last_name, mail: email, crm: 'id:crm'}\n",
        encoding="utf-8",
    )
    write(tmp_path / "crm.csv", CRM)
    write(tmp_path / "shop.csv", SHOP)
    out = tmp_path / "out"

    result = CliRunner().invoke(app(), ["dedupe", "--mapping", str(mapping), "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert "records            5" in result.output
    clusters = {(r["system"], r["record_id"]): r["cluster_id"] for r in read(out / "clusters.csv")}
    assert clusters[("crm", "1")] == clusters[("shop", "a")]
    assert clusters[("crm", "2")] != clusters[("crm", "3")]
    outcomes = {(p["left_id"], p["right_id"]): p["outcome"] for p in read(out / "pairs.csv")}
    assert outcomes[("2", "3")] == "crm_duplicate"
    assert read(out / "pairs.csv")[0]["first_name"] != ""


def test_dedupe_takes_the_mapping_from_flags(tmp_path: Path) -> None:
    shop = write(tmp_path / "shop.csv", SHOP)
    out = tmp_path / "out"
    flags = ["--map", "first=first_name", "--map", "last=last_name", "--map", "mail=email"]

    result = CliRunner().invoke(
        app(), ["dedupe", "--input", f"shop={shop}", "--id", "customer", *flags, "--out", str(out)]
    )

    assert result.exit_code == 0, result.output
    assert len(read(out / "clusters.csv")) == 2


def test_unknown_field_is_a_usage_error(tmp_path: Path) -> None:
    shop = write(tmp_path / "shop.csv", SHOP)

    result = CliRunner().invoke(
        app(), ["dedupe", "--input", f"shop={shop}", "--map", "first=given", "--out", str(tmp_path)]
    )

    assert result.exit_code == 2
    assert "unknown field" in result.output


def test_extra_columns_take_part_with_their_kind(tmp_path: Path) -> None:
    rows = [["id", "first_name", "last_name", "member_no"], ["1", "Ann", "Lee", "X-100"]]
    rows += [["2", "Anne", "Lee", "X-100"], ["3", "Bob", "Lee", "Y-7"]]
    path = write(tmp_path / "members.csv", rows)
    out = tmp_path / "out"

    args = ["dedupe", "--input", f"m={path}", "--id", "id", "--extra", "member_no=id"]

    result = CliRunner().invoke(app(), [*args, "--map", "member_no=member_no", "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert "member_no" in read(out / "pairs.csv")[0]


def test_parallel_reading_gives_the_serial_table(tmp_path: Path) -> None:
    crm = write(tmp_path / "crm.csv", CRM)
    shop = write(tmp_path / "shop.csv", SHOP)
    columns = ["Vorname=first_name", "Nachname=last_name", "E-Mail=email", "first=first_name"]
    columns += ["last=last_name", "mail=email", "crm=id:crm"]
    job = job_from_options([f"crm={crm}", f"shop={shop}"], ["crm"], columns)
    serial = read_table(job, SETTINGS, workers=1)

    actual = read_table(job, SETTINGS, workers=3)

    assert actual.refs == serial.refs
    for name, column in serial.columns.items():
        rows = range(len(serial))
        assert [actual.columns[name].value(k) for k in rows] == [column.value(k) for k in rows]
    assert [actual.claims["crm"].value(k) for k in range(len(serial))] == [
        serial.claims["crm"].value(k) for k in range(len(serial))
    ]


def test_a_saved_model_is_reused(tmp_path: Path) -> None:
    crm = write(tmp_path / "crm.csv", CRM)
    columns = [
        "--map",
        "Vorname=first_name",
        "--map",
        "Nachname=last_name",
        "--map",
        "E-Mail=email",
    ]
    base = ["dedupe", "--input", f"crm={crm}", "--crm", "crm", "--id", "Id", *columns]
    model = tmp_path / "model.json"
    first = CliRunner().invoke(
        app(), [*base, "--out", str(tmp_path / "a"), "--save-model", str(model)]
    )

    second = CliRunner().invoke(app(), [*base, "--out", str(tmp_path / "b"), "--model", str(model)])

    assert (first.exit_code, second.exit_code) == (0, 0)
    assert read(tmp_path / "a" / "pairs.csv") == read(tmp_path / "b" / "pairs.csv")


def test_an_unusable_model_file_is_a_usage_error(tmp_path: Path) -> None:
    crm = write(tmp_path / "crm.csv", CRM)
    model = tmp_path / "model.json"
    model.write_text("{}", encoding="utf-8")

    result = CliRunner().invoke(
        app(), ["dedupe", "--input", f"crm={crm}", "--model", str(model), "--out", str(tmp_path)]
    )

    assert result.exit_code == 2
    assert "unusable" in result.output


HOSTILE_IDS = ['=HYPERLINK("http://x.example")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]
HOSTILE_IDS += ["\tTAB", "\rCR"]


def test_formula_like_record_ids_are_written_as_quoted_text(tmp_path: Path) -> None:
    rows = [["id", "first_name", "last_name", "email"]]
    rows += [[hostile, "Ann", "Lee", "ann.lee@example.org"] for hostile in HOSTILE_IDS]
    path = write(tmp_path / "crm.csv", rows)
    out = tmp_path / "out"
    flags = ["--map", "first_name=first_name", "--map", "last_name=last_name"]

    result = CliRunner().invoke(
        app(),
        ["dedupe", "--input", f"crm={path}", "--id", "id", *flags, "--map", "email=email",
         "--out", str(out)],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    written = sorted(r["record_id"] for r in read(out / "clusters.csv"))
    assert written == sorted(f"'{hostile}" for hostile in HOSTILE_IDS)
    pairs = read(out / "pairs.csv")
    assert {p["left_id"] for p in pairs} | {p["right_id"] for p in pairs} <= set(written)
    raw = (out / "clusters.csv").read_text(encoding="utf-8").splitlines()
    assert raw[0] == '"cluster_id","cluster_size","system","record_id"'

"""`stdreg history`: every source of change (imports, updates, corrections, catalogs, reverts)
told as a timeline, old → new, with its date and source."""

from __future__ import annotations

import openpyxl

from builders import CATALOG_HEADERS, org_code, row, uscc, write_csv

U1 = uscc(1)


def history(stdreg, *args: str) -> list[dict]:
    return stdreg.ok("history", *args, "--format", "json").json()


def whats(events: list[dict]) -> list[str]:
    return [event["what"] for event in events]


def sha_of(stdreg, batch: int) -> str:
    return stdreg.sql("SELECT sha256 FROM import_batch WHERE id = :batch", batch=batch)[0][0]


def test_imports_tell_what_they_added_changed_and_dropped(stdreg, tmp_path):
    stdreg.ok(
        "import",
        write_csv(tmp_path / "r2011.csv", [row(1, "纸", "GB/T 1-2008"), row(1, "竹筷", "")]),
        "--year",
        "2011",
    )
    stdreg.ok(
        "import",
        write_csv(tmp_path / "r2012.csv", [row(1, "纸", "GB/T 1-2008、GB/T 2-2010", township="龙洲街道")]),
        "--year",
        "2012",
        "--complete",
    )
    events = history(stdreg, U1)
    assert [(e["date"], e["batch"], e["what"]) for e in events] == [
        ("2011-12-31", 1, "enterprise 企业1 registered (township 湖镇镇, industry 造纸, size above)"),
        ("2011-12-31", 1, "product 纸 added"),
        ("2011-12-31", 1, "product 竹筷 added"),
        ("2011-12-31", 1, "GB/T 1-2008 added to 纸"),
        ("2012-12-31", 2, "township 湖镇镇 → 龙洲街道"),
        ("2012-12-31", 2, "product 竹筷 dropped"),
        ("2012-12-31", 2, "GB/T 2-2010 added to 纸"),
    ]
    assert events[0]["source"] == f"r2011.csv (sha256 {sha_of(stdreg, 1)[:12]})"
    assert events[0]["kind"] == "register" and events[0]["reverted_by"] is None
    assert events[0]["written_at"][:2] == "20"
    # the organization code, in any spelling, names the same enterprise
    assert history(stdreg, f"{org_code(1)[:8]}-{org_code(1)[8]}") == events


def test_updates_show_the_command_line_and_the_user(stdreg, tmp_path):
    import getpass

    stdreg.ok("import", write_csv(tmp_path / "r.csv", [row(1, "纸", "GB/T 1-2008")]), "--year", "2011")
    stdreg.ok(
        "update",
        "enterprise",
        U1,
        "--township",
        "龙洲街道",
        "--good-behaviour",
        "AA",
        "--as-of",
        "2012-06-30",
    )
    stdreg.ok("update", "product", U1, "纸", "--add-standard", "ISO 536:2012", "--as-of", "2012-07-01")
    stdreg.ok(
        "update",
        "product",
        U1,
        "纸",
        "--replace-standard",
        "GB/T 1-2008",
        "GB/T 1-2018",
        "--as-of",
        "2013-01-01",
    )
    events = history(stdreg, U1)[3:]
    assert [(e["date"], e["what"]) for e in events] == [
        ("2012-06-30", "township 湖镇镇 → 龙洲街道; good behaviour — → AA"),
        ("2012-07-01", "ISO 536:2012 added to 纸"),
        ("2013-01-01", "GB/T 1-2008 dropped from 纸"),
        ("2013-01-01", "GB/T 1-2018 added to 纸"),
    ]
    assert events[0]["kind"] == "update"
    assert events[0]["source"] == (
        f"stdreg update enterprise {U1} --township 龙洲街道 --good-behaviour AA --as-of 2012-06-30 "
        f"(by {getpass.getuser()})"
    )


def test_corrections_say_so(stdreg, tmp_path):
    stdreg.ok(
        "import", write_csv(tmp_path / "r.csv", [row(1, "纸", "GB/T 1-2008", output="12")]), "--year", "2011"
    )
    stdreg.ok("update", "enterprise", U1, "--industry", "竹制品", "--correct")
    stdreg.ok("update", "product", U1, "纸", "--output-value", "21", "--correct")
    stdreg.ok("update", "product", U1, "纸", "--rename", "纸板", "--correct")
    stdreg.ok(
        "update", "product", U1, "纸板", "--replace-standard", "GB/T 1-2008", "GB/T 1-2009", "--correct"
    )
    events = history(stdreg, U1)[3:]
    assert [(e["date"], e["what"]) for e in events] == [
        (None, "correction: industry 造纸 → 竹制品"),
        (None, "correction: product 纸板: output value 12 → 21"),
        (None, "correction: product 纸 renamed 纸板"),
        (None, "correction: 纸板: standard GB/T 1-2008 → GB/T 1-2009"),
    ]
    table = stdreg.ok("history", U1, "--lang", "en").stdout
    assert "every date" in table and "correction: industry 造纸 → 竹制品" in table


def test_a_catalog_and_a_standard_update_are_the_standards_history(stdreg, tmp_path):
    stdreg.ok("import", write_csv(tmp_path / "r.csv", [row(1, "纸", "GB/T 13023-2008")]), "--year", "2011")
    catalog = [["GB/T 13023-2008", "瓦楞原纸", "现行", "2008-01-01", "2008-06-01", "", "", "", ""]]
    stdreg.ok(
        "catalog", "import", write_csv(tmp_path / "c.csv", catalog, CATALOG_HEADERS), "--as-of", "2012-01-01"
    )
    stdreg.ok(
        "update", "standard", "GB/T 13023-2008", "--replaced-by", "GB/T 13023-2012", "--on", "2012-06-01"
    )
    events = history(stdreg, "--standard", "gbt 13023-2008")
    assert [(e["date"], e["kind"], e["what"]) for e in events] == [
        ("2011-12-31", "register", "standard GB/T 13023-2008 added"),
        (
            "2012-01-01",
            "catalog",
            "title — → 瓦楞原纸; status — → current; published — → 2008-01-01; implemented — → 2008-06-01",
        ),
        ("2012-06-01", "update", "status current → replaced; replaced by — → GB/T 13023-2012; "
                                 "replacement noted — → 2012-06-01"),
    ]  # fmt: skip
    assert events[1]["source"].startswith("c.csv (sha256 ")
    newer = history(stdreg, "--standard", "GB/T 13023-2012")
    assert whats(newer) == ["standard GB/T 13023-2012 added (implemented 2012-06-01)"]


def test_reverted_changes_stay_marked(stdreg, tmp_path):
    stdreg.ok("import", write_csv(tmp_path / "r.csv", [row(1, "纸", "GB/T 1-2008")]), "--year", "2011")
    stdreg.ok("update", "enterprise", U1, "--township", "龙洲街道", "--as-of", "2012-06-30")
    stdreg.ok("import", "--revert", "2")
    events = history(stdreg, U1)
    assert [(e["batch"], e["what"], e["reverted_by"]) for e in events[-2:]] == [
        (2, "township 湖镇镇 → 龙洲街道", 3),
        (3, "batch 2 reverted", None),
    ]
    assert events[-1]["kind"] == "revert"
    assert "已被批次撤销: 3" in stdreg.ok("history", U1).stdout
    # an enterprise whose only batch was reverted keeps its history
    stdreg.ok("import", "--revert", "1")
    events = history(stdreg, U1)
    assert events[0]["what"].startswith("enterprise 企业1 registered") and events[0]["reverted_by"] == 4


def test_history_formats_and_usage(stdreg, tmp_path):
    stdreg.ok("import", write_csv(tmp_path / "r.csv", [row(1, "纸", "GB/T 1-2008")]), "--year", "2011")
    csv_text = stdreg.ok("history", U1, "--format", "csv").stdout
    assert csv_text.lstrip("\ufeff").startswith("date,written_at,batch,kind,source,what,reverted_by")
    stdreg.ok("history", U1, "-o", tmp_path / "h.xlsx")
    assert (tmp_path / "h.xlsx").stat().st_size > 0
    assert stdreg("history").exit_code == 2
    assert stdreg("history", U1, "--standard", "GB/T 1-2008").exit_code == 2
    assert stdreg("history", "123").exit_code == 2
    assert stdreg("history", uscc(2)).exit_code == 2
    assert stdreg("history", "--standard", "GB/T 9-2000").exit_code == 2


def test_a_long_source_folds_between_words_never_inside_an_option(stdreg, tmp_path):
    stdreg.ok("import", write_csv(tmp_path / "r.csv", [row(1, "纸", "GB/T 1302-2008")]), "--year", "2011")
    # the source column is 60 cells wide: this command line's --on starts in its 60th
    stdreg.ok("update", "standard", "GB/T 1302-2008", "--status", "withdrawn", "--on", "2012-06-01")
    table = stdreg.ok("history", "--standard", "GB/T 1302-2008", "--lang", "en").stdout
    lines = table.splitlines()
    source = next(i for i, line in enumerate(lines) if "stdreg update standard" in line)
    start = lines[source].index("stdreg update")
    folded = [line[start:].split("  ")[0] for line in lines[source : source + 3]]
    # every word of the source is whole on its line: --on is never "-" and "-on"
    whole = history(stdreg, "--standard", "GB/T 1302-2008")[-1]["source"]
    assert " ".join(folded).split() == whole.split(), folded
    assert "--on" in whole.split()


def test_the_table_tells_what_changed_in_chinese_and_names_the_enterprise(stdreg, tmp_path):
    stdreg.ok(
        "import",
        write_csv(tmp_path / "r.csv", [row(1, "纸", "GB/T 1-2008"), row(1, "竹筷")]),
        "--year",
        "2011",
    )
    stdreg.ok("update", "enterprise", U1, "--size", "规下", "--good-behaviour", "AA", "--as-of", "2012-06-30")
    stdreg.ok(
        "update", "product", U1, "纸", "--brand", "none", "--output-value", "12", "--as-of", "2012-07-01"
    )
    stdreg.ok("update", "product", U1, "纸", "--replace-standard", "GB/T 1-2008", "GB/T 1-2018", "--correct")
    stdreg.ok("update", "product", U1, "竹筷", "--drop", "--as-of", "2013-01-01")
    stdreg.ok("import", "--revert", "4")
    lines = stdreg.ok("history", U1).stdout.splitlines()
    assert lines[0] == f"企业1  统一社会信用代码 {U1}"
    assert lines[1].split() == ["日期", "写入时间", "批次", "来源", "变更"]
    table = "\n".join(lines)
    for said in (
        "登记企业 企业1（乡镇 湖镇镇，行业 造纸，规模 规上）",
        "新增产品 纸",
        "纸 新增执行标准 GB/T 1-2008",
        "规模 规上 → 规下；标准化良好行为 — → AA",
        "产品 纸：产值（万元） — → 12；名牌 — → 无",
        "更正：纸：执行标准 GB/T 1-2008 → GB/T 1-2018",
        "产品 竹筷 不再生产",
        "撤销批次 4",
    ):
        assert said in table, said
    assert not any(word in table for word in ("registered", "added", "dropped", "reverted", "correction"))
    english = stdreg.ok("history", U1, "--lang", "en").stdout
    assert english.splitlines()[0] == f"企业1  USCC {U1}"
    assert "size above → below; good behaviour — → AA" in english and "batch 4 reverted" in english
    # JSON, JSON lines and CSV keep their fields and the English texts programs read
    events = history(stdreg, U1)
    assert "enterprise 企业1 registered (township 湖镇镇, industry 造纸, size above)" in whats(events)
    assert "product 纸: output value — → 12; brand — → none" in whats(events)
    csv_text = stdreg.ok("history", U1, "--format", "csv").stdout
    assert "product 竹筷 dropped" in csv_text and "不再生产" not in csv_text


def test_the_heading_of_an_enterprise_known_by_its_organization_code(stdreg, tmp_path):
    stdreg.ok("import", write_csv(tmp_path / "r.csv", [row(2, "竹筷", by_org_code=True)]), "--year", "2011")
    code = org_code(2)
    assert stdreg.ok("history", code).stdout.splitlines()[0] == f"企业2  组织机构代码 {code[:8]}-{code[8]}"
    heading = stdreg.ok("history", code, "--lang", "en").stdout.splitlines()[0]
    assert heading == f"企业2  organization code {code[:8]}-{code[8]}"


def test_a_standards_history_in_chinese(stdreg, tmp_path):
    stdreg.ok("import", write_csv(tmp_path / "r.csv", [row(1, "纸", "GB/T 13023-2008")]), "--year", "2011")
    catalog = [["GB/T 13023-2008", "瓦楞原纸", "现行", "2008-01-01", "2008-06-01", "", "", "", ""]]
    stdreg.ok(
        "catalog", "import", write_csv(tmp_path / "c.csv", catalog, CATALOG_HEADERS), "--as-of", "2012-01-01"
    )
    table = stdreg.ok("history", "--standard", "GB/T 13023-2008").stdout
    assert table.splitlines()[0] == "GB/T 13023-2008" and "新增标准 GB/T 13023-2008" in table
    # the workbook is in --lang too, each text in one cell
    stdreg.ok("history", "--standard", "GB/T 13023-2008", "-o", tmp_path / "h.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "h.xlsx").active
    header, *rows = sheet.iter_rows(values_only=True)
    said = [r[header.index("变更")] for r in rows]
    assert said == [
        "新增标准 GB/T 13023-2008",
        "标准名称 — → 瓦楞原纸；状态 — → 现行；发布日期 — → 2008-01-01；实施日期 — → 2008-06-01",
    ]

"""The order in which files arrive does not change the register (SPEC.md, end of "Register files").

Random small county files (blank cells, `--complete`, enterprises named by their
organization code in one year and their USCC in another, products dropped and
back) are imported in two orders into two registers; the register as of every date
the files name, and the dates between, must be the same.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import row, write_csv
from conftest import Stdreg, new_register

EXAMPLES = int(os.environ.get("STDREG_ORDER_EXAMPLES", "12"))

BLANK = ""
rows = st.builds(
    lambda n, product, standards, township, industry, size, output, brand, by_org: row(
        n,
        product,
        "、".join(standards),
        township=township,
        industry=industry,
        size=size,
        output=output,
        brand=brand,
        by_org_code=by_org,
    ),
    st.integers(1, 3),
    st.sampled_from(["纸", "布", "竹筷"]),
    st.lists(st.sampled_from(["GB/T 1-2008", "GB/T 2-2010", "QB/T 3-2012"]), max_size=2, unique=True),
    st.sampled_from(["湖镇镇", "龙洲街道", BLANK]),
    st.sampled_from(["造纸", "竹制品", BLANK]),
    st.sampled_from(["规上", "规下", BLANK]),
    st.sampled_from(["100", "250.5", BLANK]),
    st.sampled_from(["浙江名牌", "无", BLANK]),
    st.booleans(),
)
files = st.lists(
    st.tuples(st.lists(rows, min_size=1, max_size=5), st.booleans()), min_size=2, max_size=3
).flatmap(
    lambda chosen: st.tuples(
        st.just(chosen),
        st.lists(st.integers(2011, 2016), min_size=len(chosen), max_size=len(chosen), unique=True),
        st.permutations(range(len(chosen))),
    )
)


def _state(stdreg: Stdreg, years: list[int]) -> dict[str, Any]:
    """What the register says on every year-end the files name and in the middle of each year."""
    found = {}
    for year in range(min(years) - 1, max(years) + 2):
        for day in (f"{year}-06-30", f"{year}-12-31"):
            rows = stdreg.ok("query", "--as-of", day, "--format", "json").json()
            found[day] = sorted(rows, key=repr)
    return found


def _import(stdreg: Stdreg, folder: Path, chosen: list[Any], years: list[int], order: list[int]) -> None:
    for i in order:
        content, complete = chosen[i]
        path = write_csv(folder / f"return-{years[i]}.csv", content)
        stdreg.ok("import", path, "--year", str(years[i]), *(["--complete"] if complete else []))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(files)
def test_two_orders_of_arrival_give_the_same_register_on_every_date(backend, case):
    chosen, years, order = case
    with tempfile.TemporaryDirectory() as scratch, contextlib.ExitStack() as stack:
        folder = Path(scratch)
        registers = []
        for name, sequence in (
            ("by_date", sorted(range(len(chosen)), key=lambda i: years[i])),
            ("arrived", order),
        ):
            place = folder / name
            place.mkdir()
            db = stack.enter_context(new_register(backend, place))
            stdreg = Stdreg(db, place)
            stack.callback(stdreg.close)
            _import(stdreg, place, chosen, years, list(sequence))
            registers.append(stdreg)
        assert _state(registers[1], years) == _state(registers[0], years)


def test_the_2014_return_first_then_the_2013_one(stdreg, tmp_path):
    """The case of the issue: the later file left the attributes blank; the earlier one gave them."""
    header = ["企业名称", "统一社会信用代码", "产品名称", "执行标准", "乡镇", "行业", "规模", "产值", "名牌"]
    code = row(1, "牛皮纸")[1]
    a = write_csv(
        tmp_path / "a.csv",
        [["测试纸业有限公司", code, "牛皮纸", "GB/T 1234-2008", "湖镇镇", "造纸", "规上", "100", "浙江名牌"]],
        header,
    )
    b = write_csv(
        tmp_path / "b.csv",
        [["测试纸业有限公司", code, "牛皮纸", "GB/T 1234-2008", "", "", "", "", ""]],
        header,
    )
    stdreg.ok("import", b, "--year", "2014")
    stdreg.ok("import", a, "--year", "2013")
    (found,) = stdreg.ok("query", "--year", "2014", "--format", "json").json()
    assert (found["township"], found["industry"], found["size"], found["output_value"], found["brand"]) == (
        "湖镇镇",
        "造纸",
        "above",
        100.0,
        "浙江名牌",
    )
    # the late file is the latest batch: it can be reverted, and the register is as before it
    batches = stdreg.sql("SELECT id FROM import_batch ORDER BY id")
    stdreg.ok("import", "--revert", str(batches[-1][0]))
    (found,) = stdreg.ok("query", "--year", "2014", "--format", "json").json()
    assert (found["township"], found["brand"]) == (None, None)
    assert stdreg.ok("query", "--year", "2013", "--format", "json").json() == []


def test_the_earlier_batch_cannot_be_reverted_under_a_late_file_that_built_on_it(stdreg, tmp_path):
    later = write_csv(tmp_path / "2014.csv", [row(1, "纸", "GB/T 1-2008", township="")])
    earlier = write_csv(tmp_path / "2013.csv", [row(1, "纸", "GB/T 1-2008", township="湖镇镇")])
    stdreg.ok("import", later, "--year", "2014")
    stdreg.ok("import", earlier, "--year", "2013")
    before = stdreg.dump()
    refused = stdreg("import", "--revert", "1")
    assert refused.exit_code == 3
    assert "batch 2" in refused.stderr
    assert stdreg.dump() == before

"""A generated county of 20,000 register rows, two years and a catalog, from one seeded stream.

What it holds, so that the recorded dump (tests/test_county_fixture.py) covers the import's
real work:

* 2011 (``import --year 2011 --skip-invalid``): 20,000 product rows of 1,800 enterprises;
  standard cells with 0–3 codes separated by 、 ， ; ；, many typed messily (full-width
  forms, ``GBT``, an em dash, no space, lower case, two-digit years, ``ISO 536-2005``),
  dual numbers (``GB/T 19001-2008/ISO 9001:2008``), enterprises' own ``Q/`` codes,
  adopted standards with a degree on single-code rows; one enterprise in eight known only
  by its organization code ``XXXXXXXX-X``; about 3 % bad rows (a wrong check character,
  a cell that names no code, no product name, an unreadable output value or degree).
* 2012 (``import --year 2012 --complete``): 70 % of the enterprises again, those known
  by organization code now with their USCC; products left out (dropped), attributes
  changed, standards moved to a newer edition; new products and new enterprises.
* a catalog (``catalog import --as-of 2013-06-30``): statuses, withdrawals with dates,
  newer editions replacing older ones, adoption facts.

Every value comes from ``random.Random(SEED)``: the same files on every run and machine.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

from stdreg.codes.credit_code import calc_org_check, calc_uscc_check

SEED = 20_111_231
ROWS_2011 = 20_000
ENTERPRISES = 1_800

HEADERS = [
    "企业名称",
    "统一社会信用代码",
    "组织机构代码",
    "乡镇",
    "行业",
    "规模",
    "高新技术企业",
    "产品名称",
    "执行标准",
    "采用国际标准",
    "一致性程度",
    "产值（万元）",
    "名牌产品",
]
CATALOG_HEADERS = [
    "标准号",
    "标准名称",
    "状态",
    "发布日期",
    "实施日期",
    "废止日期",
    "代替标准",
    "采标号",
    "一致性程度",
]

INDUSTRIES = {
    "造纸": (["瓦楞原纸", "箱纸板", "白卡纸", "卫生纸", "生活用纸", "装饰原纸", "热敏纸", "滤纸"], "QB/T"),
    "建材": (["硅酸盐水泥", "加气混凝土砌块", "烧结多孔砖", "预拌砂浆", "陶瓷砖", "石膏板"], "JC/T"),
    "纺织": (["涤纶长丝", "棉纱", "色织布", "针织坯布", "毛巾", "无纺布", "床上用品"], "FZ/T"),
    "电子": (["片式电阻器", "印制电路板", "LED灯具", "开关电源", "连接器", "电线电缆"], "SJ/T"),
    "机械五金": (["轴承", "齿轮", "阀门", "紧固件", "链条", "水泵", "电动工具", "门锁"], "JB/T"),
    "竹制品": (["竹地板", "竹胶合板", "竹筷", "竹席", "竹炭", "竹家具", "竹签"], "LY/T"),
}
QUALIFIERS = ["", "", "", "高强", "环保型", "A级", "优等品", "加厚", "出口型"]
SPECS = ["", "", "（I型）", "（II型）", "（A类）", "（B类）", " 大号", "  小号"]
TOWNSHIPS = ["龙洲街道", "东华街道", "湖镇镇", "詹家镇", "小南海镇", "模环乡", "塔石镇", "溪口镇", "横山镇"]
TRADE = "恒达华丰鑫盛泰宏隆瑞祥宇昌兴福源金海天新东方永嘉安荣利诚信德益顺通明光汇创佳美"
BRANDS = ["浙江名牌", "衢州名牌", "中国名牌"]
DEGREES = ["IDT", "MOD", "NEQ", "idt", "等同", "修改采用"]
SIZES = ["规上", "规下", "规模以上", "规模以下", ""]
FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ/-:."}
SEPARATORS = ["、", "、", "、", "，", ";", "；"]


@dataclass
class Code:
    """A standard of the pool, in its normalized form, and how its newer edition reads."""

    issuer: str
    number: str
    year: int
    adopts: str | None = None
    degree: str | None = None

    @property
    def code(self) -> str:
        sep = ":" if self.issuer in ("ISO", "IEC") else "-"
        return f"{self.issuer} {self.number}{sep}{self.year}"

    def edition(self, year: int) -> Code:
        return Code(self.issuer, self.number, year, self.adopts, self.degree)


@dataclass
class Enterprise:
    """One enterprise of the county and its products (name → list of standard codes)."""

    index: int
    name: str
    org_code: str
    uscc: str
    by_org_code: bool
    township: str
    industry: str
    size: str
    high_tech: str
    own_codes: list[str]
    products: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class County:
    """The three files, written into one folder."""

    register_2011: Path
    register_2012: Path
    catalog: Path
    rows_2011: int
    bad_rows_2011: int


class Generator:
    """The county's enterprises, products and standards, from one seeded stream."""

    def __init__(self, seed: int = SEED) -> None:
        self.random = random.Random(seed)
        self.pool: dict[str, list[Code]] = {i: self._pool(prefix) for i, (_, prefix) in INDUSTRIES.items()}
        self.enterprises = [self._enterprise(i) for i in range(ENTERPRISES)]
        self.bad_rows = 0

    # -- standards -------------------------------------------------------------------------------

    def _pool(self, industry_prefix: str) -> list[Code]:
        r = self.random
        codes: dict[str, Code] = {}
        while len(codes) < 260:
            kind = r.choices(["GB/T", "GB", "industry", "DB33/T", "ISO", "IEC"], [40, 8, 34, 4, 10, 4])[0]
            if kind == "industry":
                code = Code(industry_prefix, str(r.randint(1000, 9999)), r.randint(1995, 2010))
            elif kind == "DB33/T":
                code = Code("DB33/T", str(r.randint(100, 900)), r.randint(2003, 2010))
            elif kind in ("ISO", "IEC"):
                low, high = (100, 30000) if kind == "ISO" else (60000, 62700)
                code = Code(kind, str(r.randint(low, high)), r.randint(1998, 2010))
            else:
                number = str(r.randint(1000, 30000))
                if r.random() < 0.1:
                    number += f".{r.randint(1, 4)}"
                code = Code(kind, number, r.randint(1994, 2010))
                if r.random() < 0.2:
                    code.adopts = f"ISO {r.randint(100, 30000)}:{r.randint(1990, code.year)}"
                    code.degree = r.choice(["IDT", "MOD", "NEQ"])
            codes.setdefault(code.code, code)
        return list(codes.values())

    def messy(self, code: str) -> str:
        """The code as a township typed it (normalization gives `code` back)."""
        r = self.random
        form = r.randrange(16)
        if form == 0:
            return "".join(FULL_WIDTH.get(c, c) for c in code).replace(" ", "\u3000")
        if form == 1 and code.startswith("GB/T "):
            return "GBT" + code[5:]
        if form == 2 and "-" in code and "/ISO" not in code:
            head, _, year = code.rpartition("-")
            return f"{head}—{year}"
        if form == 3 and "/ISO" not in code:
            return code.replace(" ", "", 1)
        if form == 4:
            return code.lower()
        if form == 5 and code[-5:-2] == "-19" and "/ISO" not in code:
            return code[:-4] + code[-2:]
        if form == 6 and code.startswith("ISO ") and ":" in code:
            return code.replace(":", "-")
        if form == 7:
            return f" {code} "
        return code

    def _cell_codes(self, enterprise: Enterprise) -> list[str]:
        r = self.random
        count = r.choices([0, 1, 1, 1, 2, 3], [5, 40, 20, 10, 18, 7])[0]
        codes: list[str] = []
        for _ in range(count):
            if enterprise.own_codes and r.random() < 0.25:
                codes.append(r.choice(enterprise.own_codes))
                continue
            code = r.choice(self.pool[enterprise.industry][: r.choice([40, 260])])
            text = code.code
            if code.adopts and code.issuer == "GB/T" and r.random() < 0.15:
                text = f"{text}/{code.adopts}"  # a dual number
            codes.append(text)
        return list(dict.fromkeys(codes))

    # -- enterprises -------------------------------------------------------------------------------

    def _enterprise(self, index: int) -> Enterprise:
        r = self.random
        first8 = f"{3308_0000 + index * 7:08d}" if index % 3 else f"MA2{index:05d}"
        org = first8 + calc_org_check(first8)
        first17 = "91330825" + org
        industry = r.choice(list(INDUSTRIES))
        letters = "".join(r.choice("ABCDEFGHJKLMNPQRSTWXYZ") for _ in range(3)) + f"{index:04d}"
        own = [f"Q/LY{letters} {n:03d}-{r.randint(2004, 2011)}" for n in range(1, r.randint(1, 3) + 1)]
        return Enterprise(
            index=index,
            name="龙游" + r.choice(TRADE) + r.choice(TRADE) + f"{index}" + industry + "有限公司",
            org_code=org,
            uscc=first17 + calc_uscc_check(first17),
            by_org_code=r.random() < 0.125,
            township=r.choice(TOWNSHIPS),
            industry=industry,
            size=r.choices(SIZES, [25, 50, 6, 14, 5])[0],
            high_tech=r.choices(["", "是", "否"], [70, 10, 20])[0],
            own_codes=own if r.random() < 0.12 else [],
        )

    def _product_name(self, enterprise: Enterprise) -> str:
        r = self.random
        names = INDUSTRIES[enterprise.industry][0]
        for attempt in range(1000):
            name = r.choice(QUALIFIERS) + r.choice(names) + r.choice(SPECS)
            if attempt > 20:
                name += f"{attempt}型"
            key = " ".join(name.split())
            if key not in enterprise.products:
                return name
        raise AssertionError("no product name left")

    # -- rows --------------------------------------------------------------------------------------

    def _row(self, e: Enterprise, product: str, codes: list[str], *, use_uscc: bool) -> list[str]:
        r = self.random
        cell = ""
        if codes:
            cell = r.choice(SEPARATORS).join(self.messy(c) for c in codes)
        elif r.random() < 0.3:
            cell = r.choice(["无", "/", "暂无"])
        adopted = degree = ""
        if len(codes) == 1 and not codes[0].startswith("Q/") and "/ISO" not in codes[0] and r.random() < 0.1:
            adopted = f"ISO {r.randint(100, 30000)}:{r.randint(1990, 2009)}"
            degree = r.choice(DEGREES)
        output = r.choices(
            ["", f"{r.uniform(5, 900):.1f}", f"{r.randint(1000, 90000):,}", "200万元"], [15, 60, 20, 5]
        )[0]
        brand = r.choices(["", "无", *BRANDS], [85, 5, 5, 3, 2])[0]
        org_cell = "" if use_uscc else f"{e.org_code[:8]}-{e.org_code[8]}"
        return [
            e.name,
            e.uscc if use_uscc else "",
            org_cell,
            e.township,
            e.industry,
            e.size,
            e.high_tech,
            product,
            cell,
            adopted,
            degree,
            output,
            brand,
        ]

    def _bad(self, row: list[str]) -> list[str]:
        """`row` spoiled in one of the ways townships spoil rows."""
        r = self.random
        self.bad_rows += 1
        row = list(row)
        kind = r.randrange(5)
        if kind == 0:  # a wrong check character
            code = row[1] or row[2].replace("-", "")
            wrong = "0" if code[-1] != "0" else "1"
            if row[1]:
                row[1] = code[:-1] + wrong
            else:
                row[2] = f"{code[:8]}-{wrong}"
        elif kind == 1:
            row[8] = r.choice(["企业标准", "见附件", "按客户要求", "GB/T 12A3B-20X8"])
        elif kind == 2:
            row[7] = ""
        elif kind == 3:
            row[11] = r.choice(["约一百", "1.2.3", "n/a"])
        else:
            row[9], row[10] = "ISO 9001:2008", "差不多"
            row[8] = row[8] or "GB/T 19001-2008"
            row[8] = row[8].split("、")[0].split("，")[0].split(";")[0].split("；")[0]
        return row

    def rows_2011(self) -> list[list[str]]:
        r = self.random
        weights = [r.lognormvariate(0, 0.7) for _ in self.enterprises]
        scale = ROWS_2011 / sum(weights)
        counts = [max(1, round(w * scale)) for w in weights]
        while sum(counts) != ROWS_2011:
            i = r.randrange(len(counts))
            counts[i] += 1 if sum(counts) < ROWS_2011 else (-1 if counts[i] > 1 else 0)
        rows: list[list[str]] = []
        for e, count in zip(self.enterprises, counts, strict=True):
            for _ in range(count):
                product = self._product_name(e)
                codes = self._cell_codes(e)
                row = self._row(e, product, codes, use_uscc=not e.by_org_code)
                if r.random() < 0.03:
                    rows.append(self._bad(row))
                else:
                    e.products[" ".join(product.split())] = codes
                    rows.append(row)
        return rows

    def rows_2012(self) -> list[list[str]]:
        r = self.random
        rows: list[list[str]] = []
        for e in self.enterprises:
            if r.random() >= 0.7:
                continue
            if r.random() < 0.1:
                e.township = r.choice(TOWNSHIPS)
            if r.random() < 0.1:
                e.size = r.choice(SIZES)
            if e.by_org_code or r.random() < 0.3:
                e.name = e.name.replace("有限公司", "股份有限公司")
            for product, codes in list(e.products.items()):
                if r.random() < 0.1:
                    continue  # left out of a complete listing: dropped as of 2012-12-31
                if codes and r.random() < 0.12:
                    moved = codes[0]
                    if moved[-5] == "-" and moved[-4:].isdigit() and "/" not in moved[3:]:
                        codes = [moved[:-4] + "2012", *codes[1:]]
                    else:
                        codes = codes[1:]
                elif r.random() < 0.05:
                    codes = [*codes, r.choice(self.pool[e.industry]).code]
                rows.append(self._row(e, product, codes, use_uscc=True))
            for _ in range(r.choice([0, 0, 0, 1, 2])):
                rows.append(self._row(e, self._product_name(e), self._cell_codes(e), use_uscc=True))
        for index in range(ENTERPRISES, ENTERPRISES + 120):
            e = self._enterprise(index)
            for _ in range(r.randint(1, 12)):
                product = self._product_name(e)
                e.products[" ".join(product.split())] = []
                rows.append(self._row(e, product, self._cell_codes(e), use_uscc=True))
        return rows

    def catalog_rows(self) -> list[list[str]]:
        r = self.random
        rows: list[list[str]] = []
        seen: set[str] = set()
        for codes in self.pool.values():
            for code in codes:
                roll = r.random()
                if code.code in seen:
                    continue
                seen.add(code.code)
                if roll < 0.35:
                    continue  # not in the catalog
                published = f"{code.year}-0{r.randint(1, 9)}-1{r.randint(0, 9)}"
                implemented = f"{code.year + 1}-01-01" if code.year < 2013 else ""
                adopted = code.adopts or ""
                degree = code.degree or ""
                if not adopted and code.issuer in ("GB/T", "GB") and r.random() < 0.15:
                    adopted = f"IEC {r.randint(60000, 62700)}:{code.year - 1}"
                    degree = r.choice(["IDT", "MOD", "NEQ", "等同", "非等效"])
                if roll < 0.55 and code.issuer not in ("ISO", "IEC"):
                    newer = code.edition(2012)
                    rows.append(
                        [newer.code, "新版", "现行", "2012-05-01", "2012-10-01", "", code.code, "", ""]
                    )
                    rows.append(
                        [code.code, "旧版", "被代替", published, implemented, "", "", adopted, degree]
                    )
                elif roll < 0.65:
                    withdrawn = f"{r.randint(2009, 2013)}-{r.randint(1, 12):02d}-01"
                    rows.append(
                        [code.code, "", "废止", published, implemented, withdrawn, "", adopted, degree]
                    )
                elif roll < 0.68:
                    rows.append([code.code, "", "即将实施", published, "2014-01-01", "", "", "", ""])
                else:
                    rows.append([code.code, "", "现行", published, implemented, "", "", adopted, degree])
        return rows


def write_csv(path: Path, headers: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def write_county(folder: Path, seed: int = SEED) -> County:
    """Write the county's two register files and its catalog into `folder`."""
    generator = Generator(seed)
    rows_2011 = generator.rows_2011()
    bad = generator.bad_rows
    return County(
        register_2011=write_csv(folder / "county_2011.csv", HEADERS, rows_2011),
        register_2012=write_csv(folder / "county_2012.csv", HEADERS, generator.rows_2012(), "gb18030"),
        catalog=write_csv(folder / "county_catalog.csv", CATALOG_HEADERS, generator.catalog_rows()),
        rows_2011=len(rows_2011),
        bad_rows_2011=bad,
    )

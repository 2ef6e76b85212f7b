"""A deterministic synthetic register of any size, written once per size and reused.

One row per product, grouped by enterprise (about 11 products per enterprise, the
ratio of the national self-declaration platform at the end of 2022: 4,400,000
products of 402,000 enterprises). Everything comes from ``random.Random(seed)``:
the same size always gives byte-identical files.

What is in it, so that import does its real work:

* valid USCCs (check characters from ``stdreg.codes.credit_code``), old all-digit
  organization codes and newer ``MA…`` ones, a few written with spaces or in lower case;
* Chinese enterprise names (place + trade name + industry word + company form),
  townships, the six block industries (and a few others), 规上/规下 in two spellings;
* product names from each industry's own vocabulary, unique within an enterprise;
* standard codes drawn with repetition from a pool of a few thousand (GB, GB/T, QB/T,
  JC/T, FZ/T, SJ/T, JB/T, LY/T, DB33/T, ISO, IEC, EN, dual numbers) plus the
  enterprises' own ``Q/…`` codes; 0–3 codes per cell, mostly separated by 、;
  some messy forms (full-width, ``GBT``, em dash, no space, lower case, two-digit
  years) so normalization is exercised; 5 % of products without a standard;
* adopted standard and degree on some rows that name one adopting standard;
* output values (万元), the larger ones with thousands separators, some blank;
* brand titles (浙江名牌, 衢州名牌, 中国名牌 …) and explicit 无.

No code is dated after 2011, so ``import --year 2011`` raises no warning and no
row is rejected: the benchmark measures clean imports.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stdreg.codes.credit_code import calc_org_check, calc_uscc_check

GENERATOR_VERSION = 2  # bump when the data change, so cached files are rewritten
SEED = 20221231
XLSX_CAP = 200_000
PRODUCTS_PER_ENTERPRISE = 4_400_000 / 402_000

HEADERS = [
    "企业名称",
    "统一社会信用代码",
    "乡镇",
    "行业",
    "规模",
    "产品名称",
    "执行标准",
    "采用国际标准",
    "一致性程度",
    "产值（万元）",
    "名牌产品",
]

SIZES = {"county": 10_000, "city": 200_000, "province": 1_000_000, "national": 4_400_000}

BLOCK_INDUSTRIES = ["造纸", "建材", "纺织", "电子", "机械五金", "竹制品"]
OTHER_INDUSTRIES = ["食品", "化工"]
INDUSTRY_WEIGHTS = [18, 14, 16, 12, 20, 12, 4, 4]

# the industry's word in enterprise names; 纸业 is what `query --enterprise 纸业` finds
NAME_WORDS = {
    "造纸": ["纸业", "纸业", "纸业", "特种纸", "造纸", "纸品"],
    "建材": ["建材", "新型建材", "水泥", "石材", "管业"],
    "纺织": ["纺织", "织造", "针织", "服饰", "化纤"],
    "电子": ["电子", "电子科技", "电器", "光电", "电气"],
    "机械五金": ["机械", "五金", "机电", "工具", "精密机械", "阀门"],
    "竹制品": ["竹业", "竹木制品", "竹木", "竹制品"],
    "食品": ["食品", "茶业", "粮油"],
    "化工": ["化工", "涂料", "新材料"],
}
COMPANY_FORMS = ["有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司", "实业有限公司"]
TRADE_CHARS = (
    "恒达华丰鑫盛泰宏隆瑞祥宇昌兴福源金海天新东方永嘉安荣利诚信德益顺通明光汇创佳美协联中龙凯豪"
    "辉博远志胜和康健宝晶星力正邦森林峰山江河湖锦绣飞腾骏驰昊阳春晨晟耀润泽雅雄伟振威华夏浙衢"
)

PRODUCTS = {
    "造纸": [
        "瓦楞原纸", "箱纸板", "牛皮箱纸板", "白卡纸", "灰底白板纸", "卫生纸", "生活用纸", "擦手纸",
        "餐巾纸", "装饰原纸", "无碳复写纸", "热敏纸", "格拉辛纸", "离型纸", "铝箔衬纸", "食品包装纸",
        "烟用接装纸", "铜版纸", "胶版印刷纸", "静电复印纸", "壁纸原纸", "滤纸", "绝缘纸", "书写纸",
    ],
    "建材": [
        "普通硅酸盐水泥", "复合硅酸盐水泥", "蒸压加气混凝土砌块", "烧结多孔砖", "混凝土实心砖",
        "预拌混凝土", "预拌砂浆", "陶瓷砖", "建筑用卵石", "建筑用砂", "PVC-U排水管", "PE给水管",
        "石膏板", "岩棉板", "钢化玻璃", "中空玻璃", "防水卷材", "大理石板材", "花岗石板材",
    ],
    "纺织": [
        "涤纶长丝", "涤纶短纤维", "棉纱", "色织布", "印染布", "针织坯布", "床上用品", "毛巾",
        "无纺布", "工业用布", "窗帘布", "T恤衫", "衬衫", "羊毛衫", "童装", "袜子", "经编面料",
    ],
    "电子": [
        "片式电阻器", "铝电解电容器", "印制电路板", "LED照明灯具", "电源适配器", "开关电源",
        "连接器", "电线电缆", "变压器", "继电器", "电子镇流器", "锂离子电池", "光纤跳线",
        "微型电机", "电热水壶", "家用电风扇", "插头插座",
    ],
    "机械五金": [
        "轴承", "齿轮", "阀门", "紧固件", "链条", "液压油缸", "水泵", "电动工具", "手动工具",
        "不锈钢餐具", "门锁", "铰链", "弹簧", "铸件", "锻件", "农业机械", "输送机", "减速机",
        "园林工具", "五金配件", "剪刀", "扳手",
    ],
    "竹制品": [
        "竹地板", "竹胶合板", "竹集成材", "竹筷", "竹席", "竹制菜板", "竹炭", "竹工艺品",
        "竹家具", "竹签", "竹编制品", "竹纤维毛巾", "竹木复合地板", "竹制牙签", "竹醋液",
    ],
    "食品": ["茶叶", "绿茶", "大米", "食用植物油", "糕点", "蜂蜜", "豆制品", "腌制蔬菜"],
    "化工": ["涂料", "胶粘剂", "塑料薄膜", "化肥", "工业硅", "水处理剂", "油墨"],
}  # fmt: skip
QUALIFIERS = ["", "", "", "高强", "环保型", "A级", "优等品", "加厚", "彩色", "出口型", "低克重", "阻燃"]
SPECS = ["", "", "", "（普通型）", "（I型）", "（II型）", "（80g/m²）", "（A类）", "（B类）", "（大号）"]

# pool prefixes by industry: (issuer, serial range, share of the industry's pool)
POOL_PREFIXES: dict[str, list[tuple[str, int, int, int]]] = {
    "造纸": [("GB/T", 1000, 36000, 35), ("QB/T", 1000, 5200, 45), ("GB", 5000, 31000, 5)],
    "建材": [("GB/T", 1000, 36000, 35), ("JC/T", 400, 2300, 40), ("GB", 175, 31000, 10)],
    "纺织": [("GB/T", 1000, 36000, 35), ("FZ/T", 1001, 99999, 50), ("GB", 18401, 31701, 5)],
    "电子": [("GB/T", 1000, 36000, 40), ("SJ/T", 10000, 11600, 35), ("GB", 4706, 19510, 10)],
    "机械五金": [("GB/T", 1000, 36000, 40), ("JB/T", 1000, 12000, 35), ("QB/T", 1000, 5200, 10)],
    "竹制品": [("GB/T", 1000, 36000, 30), ("LY/T", 1000, 2200, 45), ("DB33/T", 100, 900, 15)],
    "食品": [("GB/T", 1000, 36000, 40), ("GB", 2700, 29999, 30), ("NY/T", 100, 2100, 20)],
    "化工": [("GB/T", 1000, 36000, 40), ("HG/T", 2000, 4300, 40), ("GB", 18581, 30981, 10)],
}
FOREIGN = [
    ("ISO", 100, 30000, 45),
    ("IEC", 60000, 62700, 20),
    ("EN", 100, 15000, 30),
    ("ASTM D", 100, 7000, 5),
]
POOL_SIZE = 3000
DEGREES = ["IDT", "IDT", "IDT", "MOD", "MOD", "NEQ", "idt", "等同"]
BRANDS = ["浙江名牌", "衢州名牌", "中国名牌", "浙江省名牌产品", "市名牌"]
FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ/-:."}
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
PROVINCES = [33, 32, 31, 44, 37, 35, 41, 42, 43, 51, 13, 34, 36, 45, 50, 61, 11, 12, 21, 22, 23, 14, 15]
COUNTIES = [
    "龙游", "江山", "常山", "开化", "衢江", "柯城", "富阳", "临安", "桐庐", "淳安", "建德", "余杭",
    "萧山", "海宁", "桐乡", "嘉善", "平湖", "海盐", "长兴", "德清", "安吉", "诸暨", "上虞", "嵊州",
    "新昌", "义乌", "东阳", "永康", "武义", "浦江", "磐安", "兰溪", "温岭", "玉环", "临海", "天台",
    "仙居", "三门", "瑞安", "乐清", "永嘉", "平阳", "苍南", "文成", "泰顺", "慈溪", "余姚", "宁海",
    "象山", "奉化", "遂昌", "松阳", "云和", "庆元", "景宁", "龙泉", "青田", "缙云", "岱山", "嵊泗",
]  # fmt: skip
TOWNSHIPS_LONGYOU = [
    "龙洲街道", "东华街道", "湖镇镇", "詹家镇", "小南海镇", "模环乡", "塔石镇",
    "溪口镇", "社阳乡", "横山镇", "罗家乡", "庙下乡", "大街乡", "沐尘畲族乡",
]  # fmt: skip
PLACE_CHARS = "东西南北上下大小新石桥溪湖塘山岭坑口头源田坞埠洲港湾村庄岗坪川沙白青黄金银马龙凤"


@dataclass(frozen=True, slots=True)
class PoolCode:
    code: str
    adopts: str | None = None  # the international/foreign standard it adopts
    degree: str | None = None


@dataclass
class DataSet:
    """The files of one size, and what is in them."""

    rows: int
    csv: Path
    xlsx: Path
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def xlsx_rows(self) -> int:
        return int(self.meta["xlsx_rows"])

    @property
    def enterprises(self) -> int:
        return int(self.meta["enterprises"])


def paths(directory: Path, rows: int) -> tuple[Path, Path, Path]:
    stem = directory / f"register_{rows}"
    return stem.with_suffix(".csv"), stem.with_suffix(".xlsx"), stem.with_suffix(".json")


def ensure(directory: Path, rows: int, *, xlsx: bool = True, log: Any = print) -> DataSet:
    """The data set of ``rows`` products: read from ``directory`` or written there first."""
    csv_path, xlsx_path, meta_path = paths(directory, rows)
    if meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        fresh = meta.get("generator_version") == GENERATOR_VERSION and csv_path.exists()
        if fresh and (not xlsx or (xlsx_path.exists() and meta.get("xlsx_rows"))):
            return DataSet(rows, csv_path, xlsx_path, meta)
    directory.mkdir(parents=True, exist_ok=True)
    log(f"writing the synthetic register of {rows:,} products into {directory} …")
    meta = write(csv_path, xlsx_path if xlsx else None, rows)
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return DataSet(rows, csv_path, xlsx_path, meta)


def write(csv_path: Path, xlsx_path: Path | None, rows: int, seed: int = SEED) -> dict[str, Any]:
    """Write the CSV (and the XLSX, capped at XLSX_CAP rows); return what they hold."""
    generator = Generator(rows, seed)
    xlsx_rows = min(rows, XLSX_CAP) if xlsx_path is not None else 0
    tmp_csv = csv_path.with_suffix(".csv.tmp")
    workbook: Any = None
    sheet: Any = None
    if xlsx_path is not None:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("执行标准")
        sheet.append(["龙游县企业产品执行标准数据库（基准测试数据）"])
        sheet.append(["填报单位：县市场监管局", None, None, "填报日期：2011年12月31日"])
        sheet.append([])
        sheet.append(HEADERS)
    written = 0
    with open(tmp_csv, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for values in generator.rows():
            writer.writerow(values)
            if written < xlsx_rows:
                sheet.append([_xlsx_value(v, column) for column, v in enumerate(values)])
            written += 1
    os.replace(tmp_csv, csv_path)
    if workbook is not None and xlsx_path is not None:
        tmp_xlsx = xlsx_path.with_suffix(".xlsx.tmp")
        workbook.save(tmp_xlsx)
        os.replace(tmp_xlsx, xlsx_path)
    return {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "rows": written,
        "xlsx_rows": xlsx_rows,
        "enterprises": generator.enterprise_count,
        "distinct_codes_in_pool": len(generator.pool_codes),
        "enterprise_codes": generator.enterprise_codes,
        "products_without_standard": generator.without_standard,
        "messy_codes": generator.messy,
        "csv_bytes": csv_path.stat().st_size,
        "xlsx_bytes": xlsx_path.stat().st_size if xlsx_path is not None else 0,
    }


OUTPUT_COLUMN = HEADERS.index("产值（万元）")


def _xlsx_value(value: str, column: int) -> Any:
    """Output values as numbers, as a spreadsheet holds them (unless written with separators)."""
    if column == OUTPUT_COLUMN and value and "," not in value:
        try:
            return float(value)
        except ValueError:
            return value
    return value or None


class Generator:
    """The rows of a register of ``rows`` products, from one seeded random stream."""

    def __init__(self, rows: int, seed: int = SEED) -> None:
        self.rows_wanted = rows
        self.random = random.Random(seed * 1_000_003 + rows)
        self.enterprise_count = max(1, round(rows / PRODUCTS_PER_ENTERPRISE))
        self.pool = {industry: self._pool(industry) for industry in PRODUCTS}
        self.pool_weights = {
            industry: _cumulative([1 / (rank + 1) ** 0.9 for rank in range(len(codes))])
            for industry, codes in self.pool.items()
        }
        self.pool_codes = {c.code for codes in self.pool.values() for c in codes}
        self.enterprise_codes = 0
        self.without_standard = 0
        self.messy = 0

    # -- standards -----------------------------------------------------------------------------

    def _pool(self, industry: str) -> list[PoolCode]:
        r = self.random
        size = POOL_SIZE * INDUSTRY_WEIGHTS[list(PRODUCTS).index(industry)] // sum(INDUSTRY_WEIGHTS)
        prefixes = POOL_PREFIXES[industry]
        weights = [w for *_, w in prefixes] + [10]  # the rest: international and foreign
        seen: set[str] = set()
        codes: list[PoolCode] = []
        while len(codes) < size:
            choice = r.choices(range(len(weights)), weights)[0]
            if choice == len(prefixes):
                code = _foreign_code(r)
                adopts = degree = None
            else:
                issuer, low, high, _ = prefixes[choice]
                code = _chinese_code(r, issuer, low, high)
                adopts = degree = None
                if r.random() < 0.22:
                    adopts, degree = _foreign_code(r), r.choice(DEGREES)
                    dual = issuer == "GB/T" and adopts.startswith(("ISO", "IEC"))
                    if dual and r.random() < 0.1:  # a dual number: one standard that adopts IDT
                        code, adopts, degree = f"{code}/{adopts}", None, None
            if code not in seen:
                seen.add(code)
                codes.append(PoolCode(code, adopts, degree))
        r.shuffle(codes)
        return codes

    def _draw(self, industry: str) -> PoolCode:
        codes = self.pool[industry]
        index = self.random.choices(range(len(codes)), cum_weights=self.pool_weights[industry])[0]
        return codes[index]

    def _messy(self, code: str) -> str:
        """The code as someone typed it (normalization gives the original back)."""
        r = self.random
        if r.random() >= 0.08 or code.count("/") >= 2:
            return code
        self.messy += 1
        form = r.randrange(7)
        if form == 0:
            return "".join(FULL_WIDTH.get(c, c) for c in code).replace(" ", "\u3000")
        if form == 1 and code.startswith("GB/T "):
            return "GBT" + code[5:]
        if form == 2 and not code.startswith(("ISO", "IEC", "EN", "ASTM")):
            head, _, year = code.rpartition("-")
            return f"{head}—{year}"
        if form == 3 and not code.startswith("ASTM"):
            return code.replace(" ", "", 1)
        if form == 4:
            return code.lower()
        if form == 5 and code[-4:-2] == "19" and code[-5] == "-":
            return code[:-4] + code[-2:]
        if form == 6 and code.startswith("ISO ") and ":" in code and "-" not in code:
            return code.replace(":", "-")
        return " " + code + " "

    # -- enterprises and rows ------------------------------------------------------------------

    def _product_counts(self) -> list[int]:
        r = self.random
        weights = [r.lognormvariate(0, 0.8) for _ in range(self.enterprise_count)]
        scale = self.rows_wanted / sum(weights)
        counts = [max(1, round(w * scale)) for w in weights]
        difference = self.rows_wanted - sum(counts)
        while difference:
            index = r.randrange(len(counts))
            if difference > 0:
                counts[index] += 1
                difference -= 1
            elif counts[index] > 1:
                counts[index] -= 1
                difference += 1
        return counts

    def rows(self) -> Iterator[list[str]]:
        r = self.random
        counts = self._product_counts()
        county_count = max(1, round(self.enterprise_count / 1000))
        counties = [self._county(c) for c in range(county_count)]
        industries = list(PRODUCTS)
        for index, products in enumerate(counts):
            county_name, region, townships = counties[index * county_count // self.enterprise_count]
            industry = r.choices(industries, INDUSTRY_WEIGHTS)[0]
            name = (
                county_name
                + r.choice(TRADE_CHARS)
                + r.choice(TRADE_CHARS)
                + r.choice(NAME_WORDS[industry])
                + r.choice(COMPANY_FORMS)
            )
            uscc = _uscc(index, region, r)
            township = r.choice(townships)
            size = r.choices(["规上", "规下", "规模以上", "规模以下", ""], [24, 50, 6, 14, 6])[0]
            own_codes = self._enterprise_codes(index)
            seen: set[str] = set()
            for _ in range(products):
                product = self._product(industry, seen)
                yield [
                    name,
                    uscc,
                    township,
                    industry,
                    size,
                    product,
                    *self._standard_cells(industry, own_codes),
                    _output_value(r),
                    r.choices(["", "无", *BRANDS], [86, 4, 3, 3, 1, 2, 1])[0],
                ]

    def _county(self, index: int) -> tuple[str, str, list[str]]:
        r = self.random
        if index < len(COUNTIES):
            name = COUNTIES[index]
        else:
            name = r.choice(PLACE_CHARS) + r.choice(TRADE_CHARS) + str(index)
        province = PROVINCES[index // 60 % len(PROVINCES)] if index >= 60 else 33
        region = f"{province:02d}{index // 20 % 90 + 1:02d}{index % 20 + 1:02d}"
        if index == 0:
            return name, "330825", TOWNSHIPS_LONGYOU
        townships = sorted(
            {
                r.choice(PLACE_CHARS) + r.choice(PLACE_CHARS) + r.choice(["镇", "镇", "乡", "街道"])
                for _ in range(r.randint(10, 18))
            }
        )
        return name, region, townships

    def _enterprise_codes(self, index: int) -> list[str]:
        """The enterprise's own standards (Q/ + its letters), for about one enterprise in ten."""
        r = self.random
        if r.random() >= 0.1:
            return []
        letters = _letters(index)
        codes = [f"Q/{letters} {n:03d}-{r.randint(2003, 2011)}" for n in range(1, r.randint(1, 3) + 1)]
        self.enterprise_codes += len(codes)
        return codes

    def _product(self, industry: str, seen: set[str]) -> str:
        r = self.random
        for attempt in range(30):
            name = r.choice(QUALIFIERS) + r.choice(PRODUCTS[industry]) + r.choice(SPECS)
            if attempt >= 10:
                name += f"{attempt}型"
            key = " ".join(unicodedata.normalize("NFKC", name).split())
            if key not in seen:
                seen.add(key)
                return name
        name = f"{r.choice(PRODUCTS[industry])}（型号{len(seen) + 1}）"
        seen.add(" ".join(unicodedata.normalize("NFKC", name).split()))
        return name

    def _standard_cells(self, industry: str, own_codes: list[str]) -> list[str]:
        """执行标准, 采用国际标准, 一致性程度."""
        r = self.random
        if r.random() < 0.05:
            self.without_standard += 1
            return ["", "", ""]
        how_many = r.choices([1, 2, 3], [68, 23, 9])[0]
        drawn: list[PoolCode] = []
        for _ in range(how_many):
            own = own_codes and r.random() < 0.35
            code = PoolCode(r.choice(own_codes)) if own else self._draw(industry)
            if all(code.code != d.code for d in drawn):
                drawn.append(code)
        separator = r.choices(["、", "；", "，", "\n"], [85, 8, 5, 2])[0]
        cell = separator.join(self._messy(c.code) for c in drawn)
        adopted = degree = ""
        only = drawn[0]
        if len(drawn) == 1 and only.adopts and r.random() < 0.6:
            adopted, degree = only.adopts, only.degree or ""
        return [cell, adopted, degree]


def _cumulative(weights: list[float]) -> list[float]:
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return out


def _chinese_code(r: random.Random, issuer: str, low: int, high: int) -> str:
    number = str(r.randint(low, high))
    if issuer == "FZ/T":
        number = number.zfill(5)
    if r.random() < 0.12:
        number += f".{r.randint(1, 6)}"
    return f"{issuer} {number}-{r.randint(1994, 2011)}"


def _foreign_code(r: random.Random) -> str:
    issuer, low, high, _ = r.choices(FOREIGN, [w for *_, w in FOREIGN])[0]
    year = r.randint(1995, 2011)
    if issuer == "ASTM D":
        return f"ASTM D{r.randint(low, high)}-{year % 100:02d}"
    part = f"-{r.randint(1, 4)}" if r.random() < 0.2 else ""
    return f"{issuer} {r.randint(low, high)}{part}:{year}"


def _letters(index: int) -> str:
    """A distinct run of capital letters per enterprise (Q/LYHD …)."""
    letters = ""
    n = index + 26**3  # at least four letters
    while n:
        n, rest = divmod(n, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _org_first8(index: int) -> str:
    """A distinct 8-character organization code body per enterprise: old digits, or MA… ones."""
    if index % 10 < 7:
        return f"{(index * 48_271 + 12_345_678) % 100_000_000:08d}"
    n = index
    chars = ""
    for _ in range(6):
        n, rest = divmod(n, len(USCC_ALPHABET))
        chars = USCC_ALPHABET[rest] + chars
    return "MA" + chars


def _uscc(index: int, region: str, r: random.Random) -> str:
    first8 = _org_first8(index)
    first17 = "91" + region + first8 + calc_org_check(first8)
    code = first17 + calc_uscc_check(first17)
    roll = r.random()
    if roll < 0.02:
        return f"{code[:2]} {code[2:8]} {code[8:17]} {code[17]}"
    if roll < 0.03:
        return code.lower()
    return code


def _output_value(r: random.Random) -> str:
    if r.random() < 0.05:
        return ""
    value = round(r.lognormvariate(5.5, 1.4), 1)
    if value >= 1000 and r.random() < 0.7:
        return f"{value:,.1f}"
    return f"{value:.1f}"


def main(argv: list[str] | None = None) -> int:
    """``python bench/datagen.py --rows N``: write (or find) the data set of N products."""
    import argparse

    parser = argparse.ArgumentParser(description="Write the benchmark's synthetic register.")
    parser.add_argument("--rows", default="county", help=f"products: a number or {', '.join(SIZES)}")
    parser.add_argument("--no-xlsx", action="store_true", help="write the CSV only")
    args = parser.parse_args(argv)
    rows = SIZES.get(args.rows) or int(args.rows.replace("_", "").replace(",", ""))
    data = ensure(Path(__file__).resolve().parent / "out" / "data", rows, xlsx=not args.no_xlsx)
    print(
        json.dumps({"csv": str(data.csv), "xlsx": str(data.xlsx), **data.meta}, ensure_ascii=False, indent=2)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


# -- 标准查新: a catalog and a list of codes to look up -----------------------------------------

LOOKUP_ISSUERS = ("GB/T", "QB/T", "JC/T", "FZ/T", "GB")
CATALOG_HEADERS = ["标准号", "标准名称", "状态", "实施日期", "废止日期", "代替标准", "采标号", "一致性程度"]


def lookup_paths(directory: Path, standards: int, codes: int) -> tuple[Path, Path]:
    return directory / f"catalog_{standards}.csv", directory / f"lookup_{codes}_of_{standards}.csv"


def ensure_lookup(
    directory: Path, standards: int, codes: int, register_csv: Path, *, log: Any = print
) -> tuple[Path, Path]:
    """A catalog of ``standards`` standards and a list of ``codes`` codes to look up in it.

    The catalog holds pairs of editions (``… -2005`` replaced by ``… -2010``; one
    number in 7 withdrawn in 2011, one in 5 adopting an ISO standard IDT). The list
    (header 执行标准) is 70 % catalog codes (one in 10 written messily), 10 %
    undated codes, 5 % editions the catalog lacks, 10 % standard cells of the
    register (several codes each, counted by the register) and 5 % cells that are
    no code at all.
    """
    catalog, listed = lookup_paths(directory, standards, codes)
    if catalog.exists() and listed.exists():
        return catalog, listed
    directory.mkdir(parents=True, exist_ok=True)
    log(f"writing a catalog of {standards:,} standards and a list of {codes:,} codes into {directory} …")
    r = random.Random(SEED)
    numbers = [(LOOKUP_ISSUERS[i % len(LOOKUP_ISSUERS)], 10000 + i) for i in range(standards // 2)]
    with open(catalog.with_suffix(".tmp"), "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CATALOG_HEADERS)
        for i, (issuer, number) in enumerate(numbers):
            old, new = f"{issuer} {number}-2005", f"{issuer} {number}-2010"
            adopted = [f"ISO {number}:2008", "IDT"] if i % 5 == 0 else ["", ""]
            writer.writerow([old, f"标准{number}", "被代替", "2005-06-01", "", "", "", ""])
            if i % 7 == 0:
                writer.writerow([new, f"标准{number}", "废止", "2010-10-01", "2011-06-30", old, *adopted])
            else:
                writer.writerow([new, f"标准{number}", "现行", "2010-10-01", "", old, *adopted])
    os.replace(catalog.with_suffix(".tmp"), catalog)
    with open(register_csv, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        column = next(reader).index("执行标准")
        cells = [cells[column] for cells, _ in zip(reader, range(codes), strict=False) if cells[column]]
    with open(listed.with_suffix(".tmp"), "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["序号", "执行标准"])
        for n in range(1, codes + 1):
            draw = r.random()
            issuer, number = numbers[r.randrange(len(numbers))]
            if draw < 0.70:
                code = f"{issuer} {number}-{r.choice((2005, 2010))}"
                if r.random() < 0.1:
                    code = code.replace("/", "").replace("-", "—").lower()
            elif draw < 0.80:
                code = f"{issuer} {number}"
            elif draw < 0.85:
                code = f"{issuer} {number}-1999"
            elif draw < 0.95:
                code = r.choice(cells)
            else:
                code = r.choice(("见附件", "按客户要求", "企业标准"))
            writer.writerow([n, code])
    os.replace(listed.with_suffix(".tmp"), listed)
    return catalog, listed


# -- a file of repeats (the warnings row) ---------------------------------------------------------


def repeats_paths(directory: Path, rows: int) -> tuple[Path, Path]:
    """The file whose repeats disagree, and the same file with the repeats made consistent."""
    return directory / f"repeats_{rows}_differing.csv", directory / f"repeats_{rows}_consistent.csv"


def ensure_repeats(directory: Path, rows: int, register_csv: Path, *, log: Any = print) -> tuple[Path, Path]:
    """Two files of ``rows`` rows, each product of the register's first ``rows // 2`` on two rows
    (one per standard, as SPEC allows; a product with one standard gives it on both).

    In the first file the second row of every product gives another output value, so that
    every second row is a warning of its own ("differs from … given earlier"), each distinct
    (the two values differ by the product's number); in the second, both rows give the
    same value: the same import without a warning.
    """
    differing, consistent = repeats_paths(directory, rows)
    if differing.exists() and consistent.exists():
        return differing, consistent
    directory.mkdir(parents=True, exist_ok=True)
    log(f"writing two files of {rows:,} rows that repeat products into {directory} …")
    with open(register_csv, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        products = [cells for cells, _ in zip(reader, range(rows // 2), strict=False)]
    standard, output = header.index("执行标准"), header.index("产值（万元）")
    for path, differ in ((differing, True), (consistent, False)):
        with open(path.with_suffix(".tmp"), "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for number, cells in enumerate(products, start=1):
                codes = cells[standard].split("、")
                first, second = list(cells), list(cells)
                first[standard] = codes[0]
                # a blank output value is no value to differ from: the product gets one
                first[output] = second[output] = cells[output] or "0.0"
                second[standard] = "、".join(codes[1:]) or codes[0]
                if differ:  # as typed on the first row, another figure on the second
                    typed = unicodedata.normalize("NFKC", first[output]).replace(",", "")
                    found = re.search(r"\d+(\.\d+)?", typed)
                    second[output] = f"{(float(found.group()) if found else 0.0) + number:.1f}"
                writer.writerow(first)
                writer.writerow(second)
        os.replace(path.with_suffix(".tmp"), path)
    return differing, consistent

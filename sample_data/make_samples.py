#!/usr/bin/env python3
"""Generate stdreg's sample data: a fictional county register for 2011 and 2012.

Writes, next to this script:

* ``register_2011.xlsx`` - the workbook a bureau sends upward (title rows, Chinese
  headers, messy but valid values);
* ``register_2012.csv``  - the next year's survey, GB18030, other header aliases;
* ``catalog.csv``        - a small standards catalog (UTF-8);
* ``township_2013.xlsx`` - a 2013 survey workbook as townships fill it in: one sheet per
  township and a 说明 sheet, a merged title and a 填报单位 row, a two-row header, the
  enterprise merged down over its products, a 序号 column, 小计 / 合计 / 以下空白 /
  填表说明 / 审核人 rows, 无 and / for "no standard";
* ``expected_summary.json`` - what the generator knows about the data (counts,
  special cases), for tests.

The data are fictional.  Standard codes are realistic in form and mostly real,
but titles, dates and adoption links are illustrative, not authoritative.

Run from the repository root::

    PYTHONPATH=src python sample_data/make_samples.py

It only needs the standard library, openpyxl and ``stdreg.codes.credit_code``
(for check characters).  The output is deterministic: running it twice gives
byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import sys
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

try:
    from stdreg.codes.credit_code import calc_org_check, calc_uscc_check
except ImportError:  # pragma: no cover - run from the repository root without PYTHONPATH
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from stdreg.codes.credit_code import calc_org_check, calc_uscc_check

SEED = 20121231
OUT = Path(__file__).resolve().parent
COUNTY = "龙游县"
COUNTY_CODE = "330825"
CITY_CODE = "330800"
CATALOG_DATE = dt.date(2013, 6, 30)  # the catalog's statuses are as of this day
YEAR_END = {2011: dt.date(2011, 12, 31), 2012: dt.date(2012, 12, 31)}

INDUSTRIES = ["造纸", "建材", "纺织", "电子", "机械五金", "竹制品"]
OTHER_INDUSTRIES = ["食品", "化工"]
TOWNSHIPS = [
    "龙洲街道", "东华街道", "湖镇镇", "詹家镇", "小南海镇", "模环乡", "塔石镇",
    "溪口镇", "社阳乡", "横山镇", "罗家乡", "庙下乡", "大街乡", "沐尘畲族乡",
]  # fmt: skip

NO_BRAND = "无"  # an explicit "no brand title" in a register cell

# Industrial townships get more enterprises.
TOWNSHIP_WEIGHTS = [14, 12, 12, 8, 8, 6, 6, 6, 3, 6, 3, 3, 3, 3]


# --------------------------------------------------------------------------- standards


@dataclass
class Std:
    code: str
    title: str
    published: str
    implemented: str
    withdrawn: str | None = None  # pure withdrawal (no replacement)
    replaces: tuple[str, ...] = ()
    adopted: str | None = None
    degree: str | None = None  # IDT / MOD / NEQ / EQV
    dual: bool = False  # may be written "GB/T x-y/ISO z:w"
    replaced_by: str | None = None  # filled in from the replacing row
    # Adoption told only by the register rows (enterprise / group standards).
    register_adopted: str | None = None
    register_degree: str | None = None

    @property
    def kind(self) -> str:
        head = self.code.split(" ")[0]
        if head in ("ISO", "IEC", "ISO/IEC"):
            return "international"
        if head in ("EN", "ASTM", "BS", "DIN", "JIS", "ANSI/UL"):
            return "foreign"
        return "chinese"


def S(code: str, title: str, pub: str, impl: str, **kw: object) -> Std:
    return Std(code, title, pub, impl, **kw)  # type: ignore[arg-type]


STANDARDS: list[Std] = [
    # ---- paper
    S("GB/T 13023-1991", "瓦楞原纸", "1991-08-13", "1992-04-01"),
    S("GB/T 13023-2008", "瓦楞原纸", "2008-07-18", "2009-05-01", replaces=("GB/T 13023-1991",)),
    S("GB/T 13024-1991", "箱纸板", "1991-08-13", "1992-04-01"),
    S("GB/T 13024-2003", "箱纸板", "2003-01-17", "2003-06-01", replaces=("GB/T 13024-1991",)),
    S("GB/T 10335.1-2005", "涂布纸和纸板 涂布美术印刷纸（铜版纸）", "2005-05-13", "2005-12-01"),
    S("QB/T 1012-1991", "胶版印刷纸", "1991-06-18", "1992-02-01"),
    S("GB/T 12655-2007", "卷烟纸基本性能要求", "2007-12-05", "2008-06-01"),
    S("GB/T 20810-2006", "卫生纸（含卫生纸原纸）", "2006-12-30", "2007-08-01"),
    S("QB/T 4032-2010", "装饰原纸", "2010-04-22", "2010-10-01"),
    S("QB/T 2300-1997", "热敏传真纸", "1997-03-04", "1997-10-01"),
    S("QB/T 2301-1997", "热敏记录纸", "1997-03-04", "1997-10-01"),
    S("GB/T 28210-2011", "热敏纸", "2011-12-30", "2012-08-01",
      replaces=("QB/T 2300-1997", "QB/T 2301-1997")),
    S("GB/T 24987-2010", "电解电容器纸", "2010-08-09", "2011-02-01",
      adopted="IEC 60554-3-5:1984", degree="MOD"),
    S("GB/T 451.2-2002", "纸和纸板定量的测定", "2002-04-28", "2002-10-01",
      adopted="ISO 536:1995", degree="EQV"),
    S("GB/T 24999-2010", "纸和纸板 亮度（白度）最高限量", "2010-08-09", "2011-02-01"),
    S("GB/T 12914-2008", "纸和纸板 抗张强度的测定", "2008-08-19", "2009-05-01",
      adopted="ISO 1924-2:1994", degree="IDT", dual=True),
    S("ISO 9706:1994", "信息与文献 文献用纸 耐久性要求", "1994-03-01", "1994-03-01"),
    S("ISO 536:2012", "纸和纸板 定量的测定", "2012-02-15", "2012-02-15"),
    # ---- building materials
    S("GB 175-1999", "硅酸盐水泥、普通硅酸盐水泥", "1999-03-12", "1999-12-01"),
    S("GB 175-2007", "通用硅酸盐水泥", "2007-11-09", "2008-06-01", replaces=("GB 175-1999",),
      adopted="EN 197-1:2000", degree="NEQ"),
    S("GB/T 17671-1999", "水泥胶砂强度检验方法（ISO法）", "1999-02-08", "1999-05-01",
      adopted="ISO 679:1989", degree="IDT"),
    S("GB/T 1346-2001", "水泥标准稠度用水量、凝结时间、安定性检验方法", "2001-05-28",
      "2001-10-01", adopted="ISO 9597:1989", degree="NEQ"),
    S("GB/T 1346-2011", "水泥标准稠度用水量、凝结时间、安定性检验方法", "2011-07-20",
      "2012-03-01", replaces=("GB/T 1346-2001",), adopted="ISO 9597:2008", degree="MOD"),
    S("GB 8239-1997", "普通混凝土小型空心砌块", "1997-11-14", "1998-05-01"),
    S("GB/T 15229-2002", "轻集料混凝土小型空心砌块", "2002-11-28", "2003-05-01"),
    S("GB/T 15229-2011", "轻集料混凝土小型空心砌块", "2011-12-30", "2012-08-01",
      replaces=("GB/T 15229-2002",)),
    S("GB/T 11968-2006", "蒸压加气混凝土砌块", "2006-03-13", "2006-12-01"),
    S("GB 13544-2000", "烧结多孔砖", "2000-10-17", "2001-04-01"),
    S("GB 13544-2011", "烧结多孔砖和多孔砌块", "2011-06-16", "2012-04-01",
      replaces=("GB 13544-2000",)),
    S("GB 14902-2003", "预拌混凝土", "2003-11-10", "2004-04-01"),
    S("GB/T 14902-2012", "预拌混凝土", "2012-12-31", "2013-09-01", replaces=("GB 14902-2003",)),
    S("GB/T 9775-2008", "纸面石膏板", "2008-06-30", "2009-04-01"),
    S("GB/T 4100-2006", "陶瓷砖", "2006-02-05", "2006-11-01",
      adopted="ISO 13006:1998", degree="MOD"),
    S("JC/T 479-1992", "建筑生石灰", "1992-04-16", "1993-01-01"),
    S("JC/T 479-2013", "建筑生石灰", "2012-12-28", "2013-06-01", replaces=("JC/T 479-1992",)),
    S("JC 239-2001", "粉煤灰砖", "2001-04-02", "2001-10-01"),
    S("JC/T 422-2007", "非烧结垃圾尾矿砖", "2007-05-29", "2007-11-01", withdrawn="2012-07-01"),
    S("GB 8076-2008", "混凝土外加剂", "2008-12-31", "2009-12-01"),
    S("EN 771-3:2011", "砌体单元规范 第3部分：混凝土砌块（密实和轻集料）", "2011-03-15",
      "2011-03-15"),
    S("EN 197-1:2000", "水泥 第1部分：通用水泥的组成、规格和合格判定准则", "2000-06-15",
      "2000-06-15"),
    # ---- textiles
    S("GB/T 14464-2008", "涤纶短纤维", "2008-06-18", "2009-02-01"),
    S("FZ/T 54007-2009", "涤纶低弹丝", "2009-11-17", "2010-04-01"),
    S("FZ/T 54001-2006", "涤纶牵伸丝", "2006-05-25", "2006-12-01"),
    S("FZ/T 12002-2006", "精梳涤棉混纺本色纱线", "2006-05-25", "2006-12-01"),
    S("GB/T 5325-2009", "精梳涤棉混纺本色布", "2009-06-15", "2010-02-01"),
    S("GB 18401-2003", "国家纺织产品基本安全技术规范", "2003-11-27", "2005-01-01"),
    S("GB 18401-2010", "国家纺织产品基本安全技术规范", "2011-01-14", "2011-08-01",
      replaces=("GB 18401-2003",)),
    S("GB/T 22849-2009", "针织T恤衫", "2009-04-21", "2009-12-01"),
    S("FZ/T 73020-2004", "针织休闲服装", "2004-12-14", "2005-06-01"),
    S("FZ/T 73020-2012", "针织休闲服装", "2012-05-24", "2012-11-01",
      replaces=("FZ/T 73020-2004",)),
    S("FZ/T 64005-2011", "卫生用薄型非织造布", "2011-05-18", "2011-08-01"),
    S("GB/T 22796-2009", "被、被套", "2009-03-19", "2009-12-01"),
    S("GB/T 3920-2008", "纺织品 色牢度试验 耐摩擦色牢度", "2008-08-04", "2009-01-01",
      adopted="ISO 105-X12:2001", degree="MOD"),
    S("GB/T 3921-2008", "纺织品 色牢度试验 耐皂洗色牢度", "2008-08-04", "2009-01-01",
      adopted="ISO 105-C10:2006", degree="MOD"),
    S("GB/T 4669-2008", "纺织品 机织物 单位长度质量和单位面积质量的测定", "2008-08-04",
      "2009-01-01", adopted="ISO 3801:1977", degree="IDT", dual=True),
    S("ASTM D5034-09", "纺织品断裂强力和伸长率的标准试验方法（抓样法）", "2009-07-01",
      "2009-07-01"),
    S("EN 14682:2007", "儿童服装安全 儿童服装绳索和拉带 规范", "2007-10-15", "2007-10-15"),
    # ---- electronics
    S("SJ/T 11363-2006", "电子信息产品中有毒有害物质的限量要求", "2006-11-06", "2007-03-01"),
    S("SJ/T 11364-2006", "电子信息产品污染控制标识要求", "2006-11-06", "2007-03-01"),
    S("GB/T 2693-2001", "电子设备用固定电容器 第1部分：总规范", "2001-07-16", "2002-01-01",
      adopted="IEC 60384-1:1999", degree="IDT"),
    S("GB/T 5729-2003", "电子设备用固定电阻器 第1部分：总规范", "2003-01-17", "2003-06-01",
      adopted="IEC 60115-1:2001", degree="IDT"),
    S("GB/T 4588.1-1996", "无金属化孔单双面印制板分规范", "1996-12-04", "1997-10-01"),
    S("GB 24819-2009", "普通照明用LED模块 安全要求", "2009-11-15", "2010-05-01",
      adopted="IEC 62031:2008", degree="IDT"),
    S("GB/T 24823-2009", "普通照明用LED模块 性能要求", "2009-11-15", "2010-05-01"),
    S("GB 4943-2001", "信息技术设备的安全", "2001-08-28", "2002-06-01",
      adopted="IEC 60950:1999", degree="IDT"),
    S("GB 4943.1-2011", "信息技术设备 安全 第1部分：通用要求", "2011-12-30", "2012-12-01",
      replaces=("GB 4943-2001",), adopted="IEC 60950-1:2005", degree="MOD"),
    S("GB/T 5023.1-2008", "额定电压450/750V及以下聚氯乙烯绝缘电缆 第1部分：一般要求",
      "2008-06-30", "2009-05-01", adopted="IEC 60227-1:2007", degree="IDT", dual=True),
    S("GB 19212.1-2008", "电力变压器、电源、电抗器和类似产品的安全 第1部分：通用要求和试验",
      "2008-06-19", "2009-06-01", adopted="IEC 61558-1:2005", degree="MOD"),
    S("SJ/T 10214-1991", "小功率电源变压器总规范", "1991-05-28", "1991-12-01",
      withdrawn="2012-05-01"),
    S("IEC 60335-1:2010", "家用和类似用途电器的安全 第1部分：通用要求", "2010-05-11",
      "2010-05-11"),
    S("GB/T 2423.1-2008", "电工电子产品环境试验 第2部分：试验方法 试验A：低温", "2008-05-20",
      "2008-12-01", adopted="IEC 60068-2-1:2007", degree="IDT", dual=True),
    # ---- machinery and hardware
    S("JB/T 7041-2006", "液压齿轮泵", "2006-10-14", "2007-04-01"),
    S("JB/T 7043-2006", "液压轴向柱塞泵", "2006-10-14", "2007-04-01"),
    S("JB/T 53061-1999", "液压齿轮泵 产品质量分等", "1999-08-06", "2000-01-01",
      withdrawn="2010-07-01"),
    S("GB/T 7935-2005", "液压元件 通用技术条件", "2005-07-11", "2006-01-01"),
    S("ISO 4413:2010", "液压传动 系统及其元件的通用规则和安全要求", "2010-11-15",
      "2010-11-15"),
    S("GB/T 3098.1-2000", "紧固件机械性能 螺栓、螺钉和螺柱", "2000-09-26", "2001-02-01",
      adopted="ISO 898-1:1999", degree="IDT"),
    S("GB/T 3098.1-2010", "紧固件机械性能 螺栓、螺钉和螺柱", "2010-09-26", "2011-10-01",
      replaces=("GB/T 3098.1-2000",), adopted="ISO 898-1:2009", degree="IDT", dual=True),
    S("ASTM A193/A193M-07", "高温用合金钢和不锈钢螺栓材料规范", "2007-03-01", "2007-03-01"),
    S("GB/T 5656-2008", "离心泵 技术条件（Ⅱ类）", "2008-06-17", "2009-03-01",
      adopted="ISO 5199:2002", degree="IDT"),
    S("GB/T 5657-1995", "离心泵技术条件（Ⅲ类）", "1995-12-08", "1996-08-01"),
    S("GB/T 10095.1-2008", "圆柱齿轮 精度制 第1部分：轮齿同侧齿面偏差的定义和允许值",
      "2008-02-15", "2008-09-01", adopted="ISO 1328-1:1995", degree="IDT", dual=True),
    S("GB/T 4440-2008", "活扳手", "2008-06-30", "2009-03-01",
      adopted="ISO 6787:2001", degree="MOD"),
    S("QB/T 2442.1-2007", "钢丝钳", "2007-05-29", "2007-11-01"),
    S("QB/T 2474-2000", "弹子插芯门锁", "2000-03-20", "2000-10-01"),
    S("GB/T 12238-2008", "法兰和对夹连接弹性密封蝶阀", "2008-06-04", "2009-01-01"),
    S("GB/T 9439-2010", "灰铸铁件", "2010-09-02", "2011-06-01"),
    S("GB/T 1348-2009", "球墨铸铁件", "2009-04-01", "2009-11-01",
      adopted="ISO 1083:2004", degree="MOD"),
    S("JB/T 9812-1999", "茶叶揉捻机", "1999-05-14", "2000-01-01"),
    # ---- bamboo products
    S("GB/T 20240-2006", "竹地板", "2006-05-25", "2006-11-01"),
    S("EN 14342:2005+A1:2008", "木质地板 特性、合格评定和标识", "2008-07-01", "2008-07-01"),
    S("GB 18580-2001", "室内装饰装修材料 人造板及其制品中甲醛释放限量", "2001-12-10",
      "2002-01-01"),
    S("GB/T 19790.2-2005", "一次性筷子 第2部分：竹筷", "2005-05-13", "2005-10-01"),
    S("GB/T 13123-2003", "竹编胶合板", "2003-03-05", "2003-08-01"),
    S("LY/T 1815-2009", "非结构用竹集成材", "2009-06-18", "2009-10-01"),
    S("LY/T 1575-2000", "汽车车厢底板用竹材胶合板", "2000-02-21", "2000-05-01"),
    S("DB33/T 658-2007", "竹砧板", "2007-09-20", "2007-10-20"),
    S("DB33/T 658-2012", "竹砧板", "2012-05-15", "2012-06-15", replaces=("DB33/T 658-2007",)),
    S("LY/T 1574-2000", "竹篾席", "2000-02-21", "2000-05-01", withdrawn="2011-03-01"),
    S("LY/T 1747-2008", "竹炭", "2008-09-03", "2008-12-01"),
    S("ISO 22157-1:2004", "竹 物理和力学性能的测定 第1部分：要求", "2004-03-15", "2004-03-15"),
    S("T/ZZB 0018-2012", "竹地板", "2012-06-30", "2012-07-15",
      adopted="EN 14342:2005+A1:2008", degree="MOD"),
    # ---- food and chemicals
    S("DB3308/T 012-2010", "龙游发糕", "2010-03-10", "2010-04-10"),
    S("GB/T 14456.1-2008", "绿茶 第1部分：基本要求", "2008-12-31", "2009-06-01"),
    S("GB/T 22165-2008", "坚果炒货食品通则", "2008-07-22", "2008-12-01"),
    S("GB/T 20977-2007", "糕点通则", "2007-06-19", "2007-10-01"),
    S("GB 7099-2003", "糕点、面包卫生标准", "2003-09-24", "2004-05-01"),
    S("GB/T 10781.1-2006", "浓香型白酒", "2006-07-18", "2007-05-01"),
    S("GB 2760-2007", "食品添加剂使用卫生标准", "2007-05-29", "2008-06-01"),
    S("GB 2760-2011", "食品安全国家标准 食品添加剂使用标准", "2011-04-20", "2011-07-20",
      replaces=("GB 2760-2007",)),
    S("GB/T 9755-2001", "合成树脂乳液外墙涂料", "2001-09-07", "2002-03-01"),
    S("GB/T 10002.1-2006", "给水用硬聚氯乙烯（PVC-U）管材", "2006-03-02", "2006-11-01",
      adopted="ISO 4422-2:1996", degree="MOD"),
    # ---- in the catalog only (not executed by any registered product)
    S("GB/T 1.1-2000", "标准化工作导则 第1部分：标准的结构和编写规则", "2000-04-10",
      "2000-10-01"),
    S("GB/T 1.1-2009", "标准化工作导则 第1部分：标准的结构和编写", "2009-06-17", "2010-01-01",
      replaces=("GB/T 1.1-2000",)),
    S("GB/T 19001-2008", "质量管理体系 要求", "2008-10-29", "2009-03-01",
      adopted="ISO 9001:2008", degree="IDT", dual=True),
    S("ISO 679:1989", "水泥 试验方法 强度的测定", "1989-12-01", "1989-12-01"),
]  # fmt: skip

STD: dict[str, Std] = {s.code: s for s in STANDARDS}

# Newer edition -> the older one it replaced (for products lagging behind).
OLD_EDITION = {
    "GB/T 13023-2008": "GB/T 13023-1991",
    "GB/T 13024-2003": "GB/T 13024-1991",
    "GB/T 28210-2011": "QB/T 2300-1997",
    "GB 175-2007": "GB 175-1999",
    "GB/T 1346-2011": "GB/T 1346-2001",
    "GB/T 15229-2011": "GB/T 15229-2002",
    "GB 13544-2011": "GB 13544-2000",
    "GB 18401-2010": "GB 18401-2003",
    "FZ/T 73020-2012": "FZ/T 73020-2004",
    "GB 4943.1-2011": "GB 4943-2001",
    "GB/T 3098.1-2010": "GB/T 3098.1-2000",
    "DB33/T 658-2012": "DB33/T 658-2007",
    "GB 2760-2011": "GB 2760-2007",
}


def d(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


# --------------------------------------------------------------------------- products


@dataclass
class Template:
    names: list[str]
    base: list[list[str]]  # alternatives, each a list of codes ("Q" = own enterprise standard)
    adopt: list[list[str]] = field(default_factory=list)  # alternatives that adopt
    q_title: str | None = None


T = Template
# "Q" = the enterprise's own standard, "Q:ISO 9706:1994:MOD" = own standard whose
# adoption only the register tells.
TEMPLATES: dict[str, list[Template]] = {
    "造纸": [
        T(["瓦楞原纸", "高强瓦楞原纸", "AA级瓦楞原纸"], [["GB/T 13023-2008"]],
          [["GB/T 13023-2008", "GB/T 12914-2008"]]),
        T(["箱纸板", "牛皮箱纸板", "白面牛卡纸"], [["GB/T 13024-2003"]],
          [["GB/T 13024-2003", "GB/T 12914-2008"]]),
        T(["铜版纸", "双面铜版纸"], [["GB/T 10335.1-2005"]], [["Q:ISO 536:1995:MOD"]]),
        T(["胶版印刷纸"], [["QB/T 1012-1991"]], [["QB/T 1012-1991", "GB/T 12914-2008"]]),
        T(["卷烟纸", "卷烟接装纸"], [["GB/T 12655-2007"], ["Q"]], [["Q:ISO 2965:1997:MOD"]]),
        T(["卫生纸", "卫生纸原纸", "生活用纸"], [["GB/T 20810-2006"]]),
        T(["装饰原纸", "浸渍纸"], [["QB/T 4032-2010"], ["Q"]],
          [["QB/T 4032-2010", "GB/T 12914-2008"]]),
        T(["热敏纸", "热敏传真纸"], [["GB/T 28210-2011"]]),
        T(["电解电容器纸"], [["Q"]], [["GB/T 24987-2010"]]),
        T(["特种纸", "格拉辛纸", "离型原纸", "描图纸", "工业滤纸", "无碳复写纸"],
          [["Q"], ["Q", "GB/T 24999-2010"], ["Q", "GB/T 451.2-2002"]],
          [["Q:ISO 9706:1994:MOD"], ["Q", "GB/T 12914-2008"]]),
        T(["档案纸"], [["Q"]], [["ISO 9706:1994"], ["Q", "ISO 9706:1994"]]),
        T(["纸管", "纸护角"], [["Q"]]),
    ],
    "建材": [
        T(["普通硅酸盐水泥", "复合硅酸盐水泥", "矿渣硅酸盐水泥", "P·O 42.5水泥"],
          [["GB 175-2007"], ["GB 175-2007", "GB/T 1346-2011"]],
          [["GB 175-2007", "GB/T 17671-1999"]]),
        T(["混凝土砌块", "普通混凝土小型空心砌块"], [["GB 8239-1997"]], [["EN 771-3:2011"]]),
        T(["轻集料混凝土小型空心砌块", "陶粒砌块"], [["GB/T 15229-2011"]]),
        T(["蒸压加气混凝土砌块", "加气块"], [["GB/T 11968-2006"]]),
        T(["烧结多孔砖", "页岩多孔砖"], [["GB 13544-2011"]]),
        T(["商品混凝土", "预拌混凝土"], [["GB 14902-2003"]]),
        T(["纸面石膏板"], [["GB/T 9775-2008"]]),
        T(["陶瓷砖", "釉面砖", "仿古砖"], [["Q"]], [["GB/T 4100-2006"]]),
        T(["建筑生石灰"], [["JC/T 479-1992"]]),
        T(["粉煤灰砖"], [["JC 239-2001"]]),
        T(["尾矿砖", "非烧结垃圾尾矿砖"], [["JC/T 422-2007"]]),
        T(["混凝土外加剂", "聚羧酸减水剂"], [["GB 8076-2008"]]),
    ],
    "纺织": [
        T(["涤纶短纤维"], [["GB/T 14464-2008"]], [["GB/T 14464-2008", "GB/T 3920-2008"]]),
        T(["涤纶纱线", "涤纶低弹丝", "DTY 150D/48F涤纶丝"], [["FZ/T 54007-2009"]],
          [["FZ/T 54007-2009", "ASTM D5034-09"]]),
        T(["涤纶牵伸丝", "FDY涤纶丝"], [["FZ/T 54001-2006"]]),
        T(["涤棉混纺纱", "精梳涤棉纱"], [["FZ/T 12002-2006"]]),
        T(["涤棉坯布", "精梳涤棉布"], [["GB/T 5325-2009"]], [["GB/T 5325-2009", "GB/T 4669-2008"]]),
        T(["针织T恤衫", "全棉T恤"], [["GB/T 22849-2009", "GB 18401-2010"]],
          [["GB/T 22849-2009", "GB/T 3921-2008"]]),
        T(["针织休闲服装", "运动休闲服"], [["FZ/T 73020-2012", "GB 18401-2010"]],
          [["FZ/T 73020-2012", "GB/T 3920-2008"]]),
        T(["童装", "婴幼儿服装"], [["GB 18401-2010", "Q"]], [["EN 14682:2007", "GB 18401-2010"]]),
        T(["非织造布", "无纺布"], [["FZ/T 64005-2011"], ["Q"]], [["Q:ISO 9073-3:1989:MOD"]]),
        T(["床上用品", "被套"], [["GB/T 22796-2009"]], [["GB/T 22796-2009", "GB/T 3921-2008"]]),
    ],
    "电子": [
        T(["电子元器件", "固定电容器", "薄膜电容器"], [["SJ/T 11363-2006", "Q"], ["Q"]],
          [["GB/T 2693-2001"], ["GB/T 2693-2001", "SJ/T 11363-2006"]]),
        T(["片式电阻器", "金属膜电阻器"], [["Q"]], [["GB/T 5729-2003"]]),
        T(["印制电路板", "双面印制板"], [["GB/T 4588.1-1996"], ["Q"]],
          [["GB/T 4588.1-1996", "GB/T 2423.1-2008"]]),
        T(["LED模块", "LED灯（12W）", "LED灯具"], [["GB/T 24823-2009"]],
          [["GB 24819-2009", "GB/T 24823-2009"], ["GB 24819-2009"]]),
        T(["电源适配器", "开关电源"], [["Q"]], [["GB 4943.1-2011"]]),
        T(["电线电缆", "聚氯乙烯绝缘电线"], [["Q"]], [["GB/T 5023.1-2008"]]),
        T(["电子变压器", "电源变压器"], [["SJ/T 10214-1991"], ["Q"]], [["GB 19212.1-2008"]]),
        T(["小家电控制板", "电子控制器"], [["Q", "SJ/T 11364-2006"]],
          [["IEC 60335-1:2010", "Q"], ["Q:IEC 60730-1:2010:MOD"]]),
    ],
    "机械五金": [
        T(["液压齿轮泵", "CBN-E300系列液压齿轮泵", "高压齿轮泵"],
          [["JB/T 7041-2006"], ["JB/T 7041-2006", "JB/T 53061-1999"]],
          [["JB/T 7041-2006", "ISO 4413:2010"]]),
        T(["液压柱塞泵", "轴向柱塞泵"], [["JB/T 7043-2006"]]),
        T(["液压阀", "液压元件", "液压多路阀"], [["GB/T 7935-2005"]],
          [["GB/T 7935-2005", "ISO 4413:2010"]]),
        T(["液压站", "液压系统"], [["Q"]], [["ISO 4413:2010"]]),
        T(["高强度螺栓", "M8-M24六角螺栓", "紧固件"], [["Q"]], [["GB/T 3098.1-2010"]]),
        T(["合金钢螺栓"], [["Q"]], [["ASTM A193/A193M-07"]]),
        T(["离心泵", "化工离心泵"], [["GB/T 5657-1995"]], [["GB/T 5656-2008"]]),
        T(["圆柱齿轮", "齿轮"], [["Q"]], [["GB/T 10095.1-2008"]]),
        T(["活扳手"], [["Q"]], [["GB/T 4440-2008"]]),
        T(["钢丝钳", "尖嘴钳"], [["QB/T 2442.1-2007"]]),
        T(["门锁", "弹子插芯门锁"], [["QB/T 2474-2000"]]),
        T(["蝶阀", "弹性密封蝶阀"], [["GB/T 12238-2008"]]),
        T(["灰铸铁件", "铸件"], [["GB/T 9439-2010"]]),
        T(["球墨铸铁件"], [["Q"]], [["GB/T 1348-2009"]]),
        T(["茶叶揉捻机", "茶叶机械"], [["JB/T 9812-1999"]]),
        T(["五金配件", "不锈钢合页"], [["Q"], ["Q:ISO 9227:2006:NEQ"]]),
    ],
    "竹制品": [
        T(["竹地板", "竹木复合地板", "重竹地板"],
          [["GB/T 20240-2006"], ["GB/T 20240-2006", "GB 18580-2001"]],
          [["EN 14342:2005+A1:2008", "GB/T 20240-2006"], ["EN 14342:2005+A1:2008"]]),
        T(["竹筷", "一次性竹筷", "竹制筷子"], [["GB/T 19790.2-2005"]]),
        T(["竹胶合板", "竹编胶合板"], [["GB/T 13123-2003"]],
          [["GB/T 13123-2003", "ISO 22157-1:2004"]]),
        T(["竹集成材", "竹集成材家具"], [["LY/T 1815-2009"], ["Q"]], [["Q:ASTM D4442-07:MOD"]]),
        T(["竹材车厢底板"], [["LY/T 1575-2000"]]),
        T(["竹砧板", "竹菜板"], [["DB33/T 658-2012"]]),
        T(["竹凉席", "竹席"], [["LY/T 1574-2000"], ["Q"]]),
        T(["竹炭", "竹炭包"], [["LY/T 1747-2008"]]),
        T(["竹工艺品", "竹编制品", "竹签"], [["Q"]], [["Q:ISO 22157-1:2004:MOD"]]),
    ],
    "食品": [
        T(["龙游发糕"], [["DB3308/T 012-2010"], ["DB3308/T 012-2010", "GB 2760-2011"]]),
        T(["绿茶", "龙游黄茶"], [["GB/T 14456.1-2008"], ["Q"]]),
        T(["炒货", "山核桃"], [["GB/T 22165-2008"]]),
        T(["糕点"], [["GB/T 20977-2007", "GB 7099-2003"]]),
        T(["白酒", "浓香型白酒"], [["GB/T 10781.1-2006"]]),
    ],
    "化工": [
        T(["外墙涂料", "乳胶漆"], [["GB/T 9755-2001"]]),
        T(["PVC-U给水管", "塑料管材"], [["Q"]], [["GB/T 10002.1-2006"]]),
    ],
}  # fmt: skip

# Adoption probability of an ordinary (non-brand) product, per industry.
ADOPT_P = {"造纸": 0.2, "建材": 0.22, "纺织": 0.24, "电子": 0.45, "机械五金": 0.33,
           "竹制品": 0.2, "食品": 0.0, "化工": 0.25}  # fmt: skip
INDUSTRY_WEIGHTS = {"造纸": 62, "建材": 42, "纺织": 36, "电子": 34, "机械五金": 60,
                    "竹制品": 50, "食品": 14, "化工": 6}  # fmt: skip
NAME_WORDS = {
    "造纸": ["纸业", "特种纸业", "造纸", "纸品"],
    "建材": ["建材", "水泥", "新型建材", "墙体材料"],
    "纺织": ["纺织", "化纤", "针织", "服饰"],
    "电子": ["电子", "电子科技", "电器", "光电"],
    "机械五金": ["机械", "五金", "液压", "机电", "精密机械", "泵业"],
    "竹制品": ["竹业", "竹木制品", "竹制品", "竹木"],
    "食品": ["食品", "茶业", "酒业"],
    "化工": ["化工", "塑业"],
}
BRAND_CHARS = [
    ("华", "H"), ("达", "D"), ("金", "J"), ("恒", "H"), ("新", "X"), ("盛", "S"), ("鑫", "X"),
    ("龙", "L"), ("宏", "H"), ("泰", "T"), ("丰", "F"), ("源", "Y"), ("顺", "S"), ("安", "A"),
    ("永", "Y"), ("昌", "C"), ("兴", "X"), ("利", "L"), ("通", "T"), ("博", "B"), ("瑞", "R"),
    ("凯", "K"), ("天", "T"), ("宇", "Y"), ("正", "Z"), ("明", "M"), ("光", "G"), ("远", "Y"),
    ("大", "D"), ("成", "C"), ("力", "L"), ("海", "H"), ("春", "C"), ("德", "D"), ("福", "F"),
    ("富", "F"), ("嘉", "J"), ("佳", "J"), ("景", "J"), ("康", "K"), ("美", "M"), ("南", "N"),
    ("品", "P"), ("祺", "Q"), ("荣", "R"), ("胜", "S"), ("腾", "T"), ("万", "W"), ("伟", "W"),
    ("祥", "X"), ("欣", "X"), ("亚", "Y"), ("裕", "Y"), ("展", "Z"), ("卓", "Z"), ("中", "Z"),
    ("振", "Z"), ("诚", "C"), ("晨", "C"), ("东", "D"), ("峰", "F"), ("高", "G"), ("冠", "G"),
    ("汇", "H"), ("辉", "H"), ("杰", "J"), ("俊", "J"), ("凌", "L"), ("铭", "M"), ("鹏", "P"),
    ("强", "Q"), ("锐", "R"), ("森", "S"), ("拓", "T"), ("威", "W"), ("翔", "X"), ("阳", "Y"),
    ("益", "Y"), ("志", "Z"), ("奥", "A"), ("百", "B"), ("创", "C"), ("恩", "E"), ("广", "G"),
    ("科", "K"), ("绿", "L"), ("派", "P"), ("青", "Q"), ("日", "R"), ("顶", "D"), ("万", "W"),
]  # fmt: skip


# --------------------------------------------------------------------------- model


@dataclass
class Product:
    name: str  # canonical (already normalized)
    template: Template
    stds: dict[int, list[str]] = field(default_factory=dict)  # year -> canonical codes
    output: dict[int, float | None] = field(default_factory=dict)
    brand: dict[int, str] = field(default_factory=dict)
    dual_form: bool = False  # write dual-number standards as "GB/T x/ISO y"


@dataclass
class Enterprise:
    idx: int
    industry: str
    names: dict[int, str]
    org: str
    uscc: str
    q_prefix: str
    q_seq: int = 0
    township: dict[int, str] = field(default_factory=dict)
    size: dict[int, str] = field(default_factory=dict)  # 规上 / 规下
    high_tech: dict[int, bool] = field(default_factory=dict)
    key_energy: dict[int, bool] = field(default_factory=dict)
    metrology: dict[int, object] = field(default_factory=dict)  # 是/否/date/None
    good: dict[int, str | None] = field(default_factory=dict)
    products: list[Product] = field(default_factory=list)
    years: set[int] = field(default_factory=set)
    org_only_2011: bool = False
    both_2011: bool = False
    per_standard_rows: dict[int, bool] = field(default_factory=dict)
    reg_no: str | None = None


def nfkc_name(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


class Generator:
    def __init__(self, seed: int = SEED, q_area: str = "LY") -> None:
        # q_area: the county's letters in its enterprise-standard codes (Q/LY…); another
        # county generated for a merge gets other letters, as real counties' codes differ
        self.rng = random.Random(seed)
        self.q_area = q_area
        self.enterprises: list[Enterprise] = []
        self.used_orgs: set[str] = set()
        self.used_prefixes: set[str] = set()
        self.used_names: set[str] = set()
        self.q_standards: dict[str, Std] = {}
        self.special: dict[str, object] = {}

    # ---------------------------------------------------------------- identities

    def new_org(self) -> str:
        rng = self.rng
        while True:
            if rng.random() < 0.06:
                first8 = rng.choice("LMPQX") + "".join(rng.choice("0123456789") for _ in range(7))
            else:
                first8 = rng.choice("1234567") + "".join(rng.choice("0123456789") for _ in range(7))
            org = first8 + calc_org_check(first8)
            if org not in self.used_orgs:
                self.used_orgs.add(org)
                return org

    def new_uscc(self, org: str, head: str = "91", area: str = COUNTY_CODE) -> str:
        first17 = head + area + org
        return first17 + calc_uscc_check(first17)

    def new_name(self, industry: str) -> tuple[str, str]:
        rng = self.rng
        for _ in range(10_000):
            a, b = rng.sample(BRAND_CHARS, 2)
            brand = a[0] + b[0]
            initials = a[1] + b[1]
            if rng.random() < 0.08:
                c = rng.choice(BRAND_CHARS)
                brand += c[0]
                initials += c[1]
            prefix = f"Q/{self.q_area}" + initials
            if prefix in self.used_prefixes:
                continue
            lead = rng.choices(["龙游", "龙游县", "浙江", "衢州"], [5, 3, 3, 1])[0]
            word = rng.choice(NAME_WORDS[industry])
            tail = rng.choices(["有限公司", "股份有限公司", "有限责任公司", "厂"], [14, 3, 2, 1])[0]
            if tail == "厂":
                lead = "龙游县"
            name = f"{lead}{brand}{word}{tail}"
            if name in self.used_names:
                continue
            self.used_names.add(name)
            self.used_prefixes.add(prefix)
            return name, prefix
        raise RuntimeError("ran out of names")

    # ---------------------------------------------------------------- standards

    def q_code(self, ent: Enterprise, year_hi: int) -> str:
        ent.q_seq += 1
        year = self.rng.randint(2005, year_hi)
        return f"{ent.q_prefix} {ent.q_seq:03d}-{year}"

    def add_q(
        self,
        code: str,
        title: str,
        adopted: str | None = None,
        degree: str | None = None,
        replaces: tuple[str, ...] = (),
    ) -> None:
        year = int(code[-4:])
        pub = dt.date(year, self.rng.randint(1, 11), self.rng.randint(1, 28))
        if code in self.q_standards:
            return
        self.q_standards[code] = Std(
            code,
            title,
            pub.isoformat(),
            (pub + dt.timedelta(days=self.rng.randint(5, 30))).isoformat(),
            replaces=replaces,
            register_adopted=adopted,
            register_degree=degree,
        )

    def resolve(self, ent: Enterprise, product: str, option: list[str], year_hi: int) -> list[str]:
        """Turn a template option into canonical codes, creating enterprise standards."""
        codes: list[str] = []
        for item in option:
            if item == "Q" or item.startswith("Q:"):
                code = self.q_code(ent, year_hi)
                if item.startswith("Q:"):
                    _, rest = item.split(":", 1)
                    adopted, degree = rest.rsplit(":", 1)
                    self.add_q(code, product, adopted, degree)
                else:
                    self.add_q(code, product)
                codes.append(code)
            else:
                codes.append(item)
        return codes

    def lookup(self, code: str) -> Std:
        return STD.get(code) or self.q_standards[code]

    def adopts(self, codes: list[str]) -> bool:
        for code in codes:
            std = self.lookup(code)
            if std.kind != "chinese" or (std.degree or std.register_degree) in ("IDT", "MOD"):
                return True
        return False

    # ---------------------------------------------------------------- 2011

    def choose_standards(
        self, ent: Enterprise, tpl: Template, name: str, brand: bool, year: int
    ) -> list[str]:
        rng = self.rng
        if rng.random() < 0.04 and not brand:
            return []
        p = 0.88 if brand else ADOPT_P[ent.industry]
        adopt = bool(tpl.adopt) and rng.random() < p
        option = rng.choice(tpl.adopt) if adopt else rng.choice(tpl.base)
        codes = self.resolve(ent, name, option, year)
        # Editions: before the new one was published (or for laggards), the old one.
        out = []
        for code in codes:
            old = OLD_EDITION.get(code)
            if old and year == 2011:
                new_pub = d(STD[code].published)
                assert new_pub is not None
                if new_pub > dt.date(2011, 6, 30) or rng.random() < 0.25:
                    code = old
            elif old and year == 2012 and rng.random() < 0.08:
                code = old
            if code == "GB 14902-2003" and year == 2012 and rng.random() < 0.15:
                code = "GB/T 14902-2012"  # early adopter of an upcoming standard
            out.append(code)
        return out

    def make_products(self, ent: Enterprise, year: int, count: int) -> list[Product]:
        rng = self.rng
        templates = TEMPLATES[ent.industry]
        taken = {nfkc_name(p.name) for p in ent.products}
        made: list[Product] = []
        tries = 0
        while len(made) < count and tries < 200:
            tries += 1
            brand = ""
            if rng.random() < (0.2 if ent.size.get(year) == "规上" else 0.05):
                brand = rng.choices(["浙江名牌", "衢州名牌"], [1, 2])[0]
            # Brand products are mostly made to adopted standards: pick such a product.
            adoptable = [t for t in templates if t.adopt]
            tpl = rng.choice(adoptable if brand and adoptable else templates)
            name = rng.choice(tpl.names)
            if nfkc_name(name) in taken:
                continue
            taken.add(nfkc_name(name))
            prod = Product(name, tpl)
            prod.dual_form = rng.random() < 0.5
            prod.brand[year] = brand
            prod.stds[year] = self.choose_standards(ent, tpl, name, bool(brand), year)
            prod.output[year] = self.output_value(ent, year)
            made.append(prod)
        return made

    def output_value(self, ent: Enterprise, year: int) -> float | None:
        rng = self.rng
        if rng.random() < 0.05:
            return None
        scale = 3000 if ent.size.get(year) == "规上" else 300
        return round(rng.lognormvariate(0, 0.9) * scale, 1)

    def build(self) -> None:
        rng = self.rng
        industries = list(INDUSTRY_WEIGHTS)
        weights = list(INDUSTRY_WEIGHTS.values())
        n_2011 = 304
        plan = []
        # Every industry gets its share exactly, then shuffle.
        total = sum(weights)
        for ind, w in zip(industries, weights, strict=True):
            plan += [ind] * round(n_2011 * w / total)
        while len(plan) < n_2011:
            plan.append("机械五金")
        plan = plan[:n_2011]
        rng.shuffle(plan)
        for i, industry in enumerate(plan):
            self.enterprises.append(self.new_enterprise(i, industry, 2011))
        self.special_2011()
        self.evolve_2012()

    def new_enterprise(self, idx: int, industry: str, year: int) -> Enterprise:
        rng = self.rng
        name, prefix = self.new_name(industry)
        org = self.new_org()
        head = "91"
        if name.endswith("厂") and rng.random() < 0.5:
            head = "92"
        area = CITY_CODE if rng.random() < 0.08 else COUNTY_CODE
        ent = Enterprise(idx, industry, {year: name}, org, self.new_uscc(org, head, area), prefix)
        ent.years.add(year)
        big = {"造纸": 0.5, "建材": 0.45, "电子": 0.4, "机械五金": 0.35}.get(industry, 0.25)
        ent.size[year] = "规上" if rng.random() < big else "规下"
        ent.township[year] = rng.choices(TOWNSHIPS, TOWNSHIP_WEIGHTS)[0]
        if industry == "竹制品" and rng.random() < 0.4:
            ent.township[year] = rng.choice(["溪口镇", "庙下乡", "大街乡", "沐尘畲族乡", "罗家乡"])
        ent.high_tech[year] = rng.random() < (0.3 if industry in ("电子", "机械五金") else 0.06)
        ent.key_energy[year] = (
            ent.size[year] == "规上" and industry in ("造纸", "建材") and (rng.random() < 0.6)
        )
        if ent.key_energy[year]:
            ent.metrology[year] = rng.choices(
                [
                    "是",
                    dt.date(rng.randint(2008, 2011), rng.randint(1, 12), rng.randint(1, 28)),
                    "否",
                ],
                [5, 4, 2],
            )[0]
        else:
            ent.metrology[year] = rng.choices([None, "否", "是"], [5, 4, 1])[0]
        ent.good[year] = rng.choices([None, "A", "AA", "AAA", "AAAA"], [70, 8, 12, 8, 2])[0]
        if rng.random() < 0.5:
            ent.reg_no = area + "".join(rng.choice("0123456789") for _ in range(9))
        count = rng.choices([1, 2, 3, 4, 5, 6, 7, 8], [12, 20, 22, 18, 12, 8, 5, 3])[0]
        if ent.size[year] == "规上":
            count += 1
        ent.products = self.make_products(ent, year, count)
        return ent

    def special_2011(self) -> None:
        rng = self.rng
        ents = self.enterprises
        # A few registration authorities other than 9: a farmer cooperative (93) and a
        # village collective economic organization registered by agriculture (N2).
        bamboo = [e for e in ents if e.industry == "竹制品" and e.size[2011] == "规下"]
        coop, village = bamboo[0], bamboo[1]
        for ent, head, name in (
            (coop, "93", "龙游县{b}竹业专业合作社"),
            (village, "N2", "龙游县{b}村股份经济合作社"),
        ):
            ent.uscc = self.new_uscc(ent.org, head)
            brand = ent.names[2011]
            for lead in ("龙游县", "龙游", "浙江", "衢州"):
                if brand.startswith(lead):
                    brand = brand[len(lead) :]
                    break
            ent.names[2011] = name.format(b=brand[:2])
        self.special["non_enterprise_authorities"] = [coop.uscc, village.uscc]
        # Enterprises that gave only the organization code in 2011.
        small = [e for e in ents if e.size[2011] == "规下" and e not in (coop, village)]
        for ent in rng.sample(small, 26):
            ent.org_only_2011 = True
        others = [e for e in ents if not e.org_only_2011]
        for ent in rng.sample(others, 32):
            ent.both_2011 = True
        # One row per (product, standard) for a few enterprises with multi-standard products.
        multi = [e for e in ents if any(len(p.stds[2011]) > 1 for p in e.products)]
        for ent in rng.sample(multi, 6):
            ent.per_standard_rows[2011] = True

    # ---------------------------------------------------------------- 2012

    def evolve_2012(self) -> None:
        rng = self.rng
        ents = self.enterprises
        dropped = rng.sample([e for e in ents if not e.org_only_2011], 6)
        self.special["dropped_enterprises"] = [e.uscc for e in dropped]
        keep = [e for e in ents if e not in dropped]
        for ent in keep:
            ent.years.add(2012)
            for attr in ("township", "size", "high_tech", "key_energy", "metrology", "good"):
                getattr(ent, attr)[2012] = getattr(ent, attr)[2011]
            ent.names[2012] = ent.names[2011]
        renamed = rng.sample([e for e in keep if e.names[2011].endswith("有限公司")], 3)
        for ent in renamed:
            old = ent.names[2011]
            core = old
            for lead in ("龙游县", "龙游", "衢州"):
                if core.startswith(lead):
                    core = core[len(lead) :]
                    break
            else:
                core = core[2:] if core.startswith("浙江") else core
            new_name = "浙江" + core.replace("股份有限公司", "有限公司").replace(
                "有限责任公司", "有限公司"
            ).replace("有限公司", "股份有限公司")
            if new_name == old or new_name in self.used_names:
                new_name = old.replace("有限公司", "集团有限公司")
            ent.names[2012] = new_name
        self.special["renamed"] = [(e.uscc, e.names[2011], e.names[2012]) for e in renamed]
        moved = rng.sample(keep, 5)
        for ent in moved:
            ent.township[2012] = rng.choice([t for t in TOWNSHIPS if t != ent.township[2011]])
        self.special["township_changed"] = [(e.uscc, e.township[2011], e.township[2012]) for e in moved]
        grew = rng.sample([e for e in keep if e.size[2011] == "规下"], 9)
        shrank = rng.sample([e for e in keep if e.size[2011] == "规上"], 2)
        for ent in grew:
            ent.size[2012] = "规上"
        for ent in shrank:
            ent.size[2012] = "规下"
        self.special["size_changed"] = [(e.uscc, e.size[2011], e.size[2012]) for e in grew + shrank]
        for ent in rng.sample([e for e in keep if not e.high_tech[2011]], 5):
            ent.high_tech[2012] = True
        for ent in rng.sample([e for e in keep if e.good[2011] in (None, "A", "AA")], 6):
            levels = [None, "A", "AA", "AAA"]
            ent.good[2012] = levels[levels.index(ent.good[2011]) + 1]
        for ent in keep:
            if ent.metrology[2011] == "否" and rng.random() < 0.15:
                ent.metrology[2012] = "是"
        # Products.
        dropped_products: list[tuple[str, str]] = []
        switched: list[tuple[str, str, str | None, str]] = []
        q_revised: list[tuple[str, str, str, str]] = []
        q_withdrawn: list[str] = []
        for ent in keep:
            for prod in list(ent.products):
                if rng.random() < 0.03 and len(ent.products) > 1:
                    ent.products.remove(prod)
                    dropped_products.append((ent.uscc, prod.name))
                    continue
                prod.brand[2012] = prod.brand[2011]
                if prod.brand[2011] and rng.random() < 0.04:
                    # a lapsed title is written out: a blank cell would mean "unknown"
                    prod.brand[2012] = NO_BRAND
                out = prod.output[2011]
                prod.output[2012] = (
                    None
                    if out is None and rng.random() < 0.5
                    else round((out or 200) * rng.uniform(0.85, 1.3), 1)
                )
                new_codes = []
                for code in prod.stds[2011]:
                    new = next((n for n, o in OLD_EDITION.items() if o == code), None)
                    if new and rng.random() < 0.6:
                        switched.append((ent.uscc, prod.name, code, new))
                        code = new
                    elif code.startswith("Q/") and rng.random() < 0.05:
                        old_std = self.q_standards[code]
                        new_q = code[:-4] + "2012"
                        self.q_standards[new_q] = Std(
                            new_q, old_std.title, "2012-01-20", "2012-03-01",
                            replaces=(code,),
                            register_adopted=old_std.register_adopted,
                            register_degree=old_std.register_degree,
                        )  # fmt: skip
                        q_revised.append((ent.uscc, prod.name, code, new_q))
                        switched.append((ent.uscc, prod.name, code, new_q))
                        code = new_q
                    elif code == "GB 14902-2003" and rng.random() < 0.2:
                        code = "GB/T 14902-2012"
                        switched.append((ent.uscc, prod.name, "GB 14902-2003", code))
                    new_codes.append(code)
                if (
                    prod.brand[2012]
                    and prod.template.adopt
                    and not self.adopts(new_codes)
                    and rng.random() < 0.6
                ):
                    # The brand product moves to an adopted standard (the work plan's target).
                    new_codes = self.resolve(ent, prod.name, rng.choice(prod.template.adopt), 2012)
                    switched.append((ent.uscc, prod.name, None, "、".join(new_codes)))
                if not new_codes and rng.random() < 0.3:
                    new_codes = self.resolve(ent, prod.name, ["Q"], 2012)
                    switched.append((ent.uscc, prod.name, None, new_codes[0]))
                prod.stds[2012] = new_codes
            for prod in self.make_products(ent, 2012, 1 if rng.random() < 0.12 else 0):
                ent.products.append(prod)
        # Enterprise standards withdrawn during 2012 and still executed.
        still = [
            (e, p, c)
            for e in keep
            for p in e.products
            if 2011 in p.stds and 2012 in p.stds
            for c in p.stds[2012]
            if c.startswith("Q/") and c in p.stds[2011] and not c.endswith("-2012")
        ]
        for _ent, _prod, code in rng.sample(still, 2):
            self.q_standards[code].withdrawn = f"2012-{rng.randint(3, 10):02d}-01"
            q_withdrawn.append(code)
        # One register row in 2011 carries an enterprise standard dated 2012 (typo / early).
        cand = [
            (e, p)
            for e in keep
            for p in e.products
            if 2011 in p.stds and len(p.stds[2011]) == 1 and p.stds[2011][0].startswith("Q/")
            and p.stds.get(2012) == p.stds[2011] and p.stds[2011][0] not in q_withdrawn
        ]  # fmt: skip
        ent, prod = rng.choice(cand)
        old = prod.stds[2011][0]
        future = old[:-4] + "2012"
        std = self.q_standards.pop(old)
        std.code = future
        std.published, std.implemented = "2012-01-05", "2012-01-20"
        self.q_standards[future] = std
        prod.stds[2011] = [future]
        prod.stds[2012] = [future]
        self.special["future_year_2011"] = (ent.uscc, prod.name, future)
        # Brand products added in 2012.
        new_brand = []
        for ent in rng.sample([e for e in keep if e.size[2012] == "规上"], 30):
            prods = [
                p for p in ent.products if p.stds.get(2012) and p.brand.get(2012) in (None, "", NO_BRAND)
            ]
            adopting = [p for p in prods if self.adopts(p.stds[2012])]
            if adopting or (prods and rng.random() < 0.2):
                prod = rng.choice(adopting or prods)
                prod.brand[2012] = "衢州名牌"
                new_brand.append((ent.uscc, prod.name))
            if len(new_brand) == 8:
                break
        self.special["new_brand_products_2012"] = new_brand
        # New enterprises in 2012.
        new_ents = []
        for k in range(12):
            industry = rng.choice(INDUSTRIES) if k < 10 else "食品"
            ent = self.new_enterprise(len(self.enterprises), industry, 2012)
            self.enterprises.append(ent)
            new_ents.append(ent)
        # One new enterprise executes the group standard T/ZZB 0018-2012.
        bamboo = next((e for e in new_ents if e.industry == "竹制品"), None)
        if bamboo is None:
            bamboo = [e for e in keep if e.industry == "竹制品"][0]
        prod = Product("竹地板", TEMPLATES["竹制品"][0])
        if any(nfkc_name(p.name) == "竹地板" for p in bamboo.products):
            prod.name = "炭化竹地板"
        prod.stds[2012] = ["T/ZZB 0018-2012"]
        prod.brand[2012] = "浙江名牌"
        prod.output[2012] = 5230.0
        bamboo.products.append(prod)
        self.special["group_standard_product"] = (bamboo.uscc, prod.name, "T/ZZB 0018-2012")
        # One new 2012 enterprise standard adopts ISO 536:2012 (register only).
        paper = [e for e in keep if e.industry == "造纸"][0]
        code = self.q_code(paper, 2012)
        code = code[:-4] + "2012"
        self.add_q(code, "数码喷墨打印纸", "ISO 536:2012", "MOD")
        paper.products.append(Product("数码喷墨打印纸", TEMPLATES["造纸"][9]))
        paper.products[-1].stds[2012] = [code]
        paper.products[-1].output[2012] = 860.0
        paper.products[-1].brand[2012] = ""
        # One row per (product, standard) in 2012 for a few enterprises.
        multi = [e for e in keep if any(len(p.stds.get(2012, [])) > 1 for p in e.products)]
        for ent in rng.sample(multi, 4):
            ent.per_standard_rows[2012] = True
        self.special["dropped_products"] = dropped_products
        self.special["switched"] = switched
        self.special["q_revised"] = q_revised
        self.special["q_withdrawn_2012"] = q_withdrawn
        self.special["new_enterprises"] = [e.uscc for e in new_ents]

    # ---------------------------------------------------------------- facts

    def all_standards(self) -> dict[str, Std]:
        out = dict(STD)
        out.update(self.q_standards)
        for s in out.values():
            s.replaced_by = None
        for s in out.values():
            for old in s.replaces:
                if old in out:
                    out[old].replaced_by = s.code
        return out

    def outdated_since(self, std: Std, stds: dict[str, Std]) -> dt.date | None:
        dates = []
        if std.withdrawn:
            dates.append(d(std.withdrawn))
        if std.replaced_by:
            dates.append(d(stds[std.replaced_by].implemented))
        return min((x for x in dates if x), default=None)

    def status(self, std: Std, stds: dict[str, Std]) -> str:
        since = self.outdated_since(std, stds)
        if since and since <= CATALOG_DATE:
            return "被代替" if std.replaced_by and not std.withdrawn else "废止"
        impl = d(std.implemented)
        if impl and impl > CATALOG_DATE:
            return "即将实施"
        return "现行"


# --------------------------------------------------------------------------- rendering

FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in map(chr, range(0x21, 0x7F))}
FULLWIDTH[" "] = "\u3000"


def fullwidth(text: str) -> str:
    return "".join(FULLWIDTH.get(c, c) for c in text)


def render_code(code: str, rng: random.Random, dual: str | None = None) -> str:
    """A messy but valid spelling of a canonical code."""
    text = f"{code}/{dual}" if dual else code
    head = code.split(" ")[0]
    chinese = not (head in ("ISO", "IEC", "EN", "ASTM") or head.startswith("ISO/"))
    r = rng.random()
    if r < 0.72:
        return text
    if dual:
        variant = rng.choice(["fullwidth", "nospace", "emdash", "lower"])
    elif head.startswith(("Q/", "T/")):
        # Keep the space between an enterprise/group code and its number.
        variant = rng.choice(["fullwidth", "lower", "double", "emdash", "endash"])
    elif chinese:
        variant = rng.choice(
            ["fullwidth", "lower", "nospace", "double", "emdash", "endash", "gbt", "divslash",
             "spaceslash", "spacedash"]
        )  # fmt: skip
    elif head == "ISO" and "-" not in code and ":" in code:
        variant = rng.choice(["fullwidth", "lower", "isohyphen", "fwcolon", "nospace"])
    else:
        variant = rng.choice(["fullwidth", "lower"])
    if variant == "fullwidth":
        return fullwidth(text)
    if variant == "lower":
        return text.lower()
    if variant == "nospace":
        return text.replace(" ", "", 1)
    if variant == "double":
        return text.replace(" ", "  ", 1)
    if variant in ("emdash", "endash"):
        dash = "\u2014" if variant == "emdash" else "\u2013"
        i = code.rfind("-")
        return text[:i] + dash + text[i + 1 :]
    if variant == "gbt":
        return text.replace("GB/T", "GBT", 1) if text.startswith("GB/T") else text.lower()
    if variant == "divslash":
        return text.replace("/", "\u2215", 1) if "/" in code else text
    if variant == "spaceslash":
        return text.replace("/", " /", 1) if "/" in code else text.replace(" ", "  ")
    if variant == "spacedash":
        i = code.rfind("-")
        return text[:i] + " - " + text[i + 1 :]
    if variant == "isohyphen":
        return text.replace(":", "-")
    if variant == "fwcolon":
        return text.replace(":", "\uff1a")
    return text


DEGREE_WORDS = {
    "IDT": ["IDT", "IDT", "idt", "等同", "等同采用"],
    "MOD": ["MOD", "MOD", "mod", "修改", "修改采用"],
    "NEQ": ["NEQ", "neq", "非等效", "非等效采用"],
    "EQV": ["等效", "EQV", "eqv"],
}
SEPARATORS = ["、", "、", "；", ";", "，", ",", "\n", "、 "]

HEADERS_2011 = [
    "序号", "企业名称", "统一社会信用代码", "组织机构代码", "所在乡镇", "块状产业", "企业规模",
    "产品名称", "执行标准", "标准名称", "采用国际标准", "一致性程度", "产值（万元）", "名牌产品",
    "高新技术企业", "重点用能单位", "计量检测体系确认", "标准化良好行为",
]  # fmt: skip
HEADERS_2012 = [
    "序号", "单位名称", "社会信用代码", "机构代码", "乡镇", "行业", "规模", "产品", "执行标准号",
    "标准名称", "采标号", "采标程度", "产值(万元)", "名牌", "高新技术企业", "重点耗能企业",
    "测量管理体系", "良好行为等级", "工商注册号", "备注",
]  # fmt: skip


class Writer:
    def __init__(self, gen: Generator) -> None:
        self.gen = gen
        self.rng = random.Random(SEED + 1)  # rendering has its own stream
        self.stds = gen.all_standards()
        self.stats: dict[str, Counter[str]] = {"2011": Counter(), "2012": Counter()}
        self.n_rows: dict[int, int] = {}

    def adoption_of(self, code: str) -> tuple[str | None, str | None]:
        std = self.stds[code]
        if std.adopted:
            return std.adopted, std.degree
        return std.register_adopted, std.register_degree

    def cells_for(
        self, ent: Enterprise, prod: Product, codes: list[str], year: int
    ) -> tuple[str, str, str, str]:
        """Standard, title, adopted and degree cells for a row naming these codes."""
        rng = self.rng
        stats = self.stats[str(year)]
        if not codes:
            return "", "", "", ""
        rendered = []
        for code in codes:
            std = self.stds[code]
            dual = std.adopted if (std.dual and prod.dual_form) else None
            rendered.append(render_code(code, rng, dual))
        sep = rng.choice(SEPARATORS)
        # A line break inside a code: "DB33/T" + newline + "658-2012".
        if len(codes) > 1 and rng.random() < 0.08:
            for i, code in enumerate(codes):
                if "/T " in code and rendered[i] == code:
                    rendered[i] = code.replace("/T ", "/T\n", 1)
                    stats["line_break_inside_code"] += 1
                    break
        standard = sep.join(rendered)
        titles = [self.stds[c].title for c in codes]
        title = "、".join(titles) if rng.random() < 0.75 else ""
        adopted = degree = ""
        adopting = [c for c in codes if self.adoption_of(c)[0]]
        if adopting:
            code = adopting[0]
            a, g = self.adoption_of(code)
            assert a is not None and g is not None
            std = self.stds[code]
            if len(codes) == 1:
                if std.register_adopted or rng.random() < 0.7:
                    adopted, degree = a, rng.choice(DEGREE_WORDS[g])
                    stats["adoption_on_single_rows"] += 1
            elif rng.random() < 0.3:
                adopted, degree = a, rng.choice(DEGREE_WORDS[g])
                stats["adoption_on_multi_rows_ignored"] += 1
        return standard, title, adopted, degree

    def output_cell(self, value: float | None, year: int) -> object:
        if value is None:
            return ""
        r = self.rng.random()
        if r < 0.15:
            return f"{value:,.1f}"
        if year == 2012:
            return f"{value:.1f}".removesuffix(".0")
        return value

    def rows(self, year: int) -> list[dict[str, object]]:
        rng = self.rng
        out: list[dict[str, object]] = []
        ents = [e for e in self.gen.enterprises if year in e.years]
        ents.sort(key=lambda e: (TOWNSHIPS.index(e.township[year]), e.idx))
        for ent in ents:
            prods = [p for p in ent.products if year in p.stds]
            for prod in prods:
                codes = prod.stds[year]
                groups = [[c] for c in codes] if ent.per_standard_rows.get(year) else [codes]
                if not groups:
                    groups = [[]]
                for group in groups:
                    std, title, adopted, degree = self.cells_for(ent, prod, group, year)
                    out.append(
                        {
                            "ent": ent,
                            "prod": prod,
                            "standard": std,
                            "title": title,
                            "adopted": adopted,
                            "degree": degree,
                            "output": self.output_cell(prod.output[year], year),
                            "name": self.product_name(prod.name, year),
                        }
                    )
        del rng
        return out

    def product_name(self, name: str, year: int) -> str:
        """The spelling of the product name in this year's file (normalizes to ``name``)."""
        rng = self.rng
        if year == 2012 and rng.random() < 0.06:
            return rng.choice([name + " ", " " + name, fullwidth(name).replace("\u3000", " ")])
        if " " in name and rng.random() < 0.3:
            return name.replace(" ", "  ")
        return name

    # ---------------------------------------------------------------- 2011 xlsx

    def org_cell_2011(self, ent: Enterprise) -> str:
        rng = self.rng
        if not (ent.org_only_2011 or ent.both_2011):
            return ""
        form = rng.choices(["dash", "plain", "space"], [8, 2, 1])[0]
        if form == "dash":
            return f"{ent.org[:8]}-{ent.org[8]}"
        if form == "plain":
            return ent.org
        return f"{ent.org[:4]} {ent.org[4:8]}-{ent.org[8]}"

    def uscc_cell(self, ent: Enterprise) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.03:
            return ent.uscc.lower()
        if r < 0.05:
            return f"{ent.uscc[:2]} {ent.uscc[2:8]} {ent.uscc[8:17]} {ent.uscc[17]}"
        if r < 0.06:
            return fullwidth(ent.uscc)
        return ent.uscc

    def write_2011(self, path: Path) -> None:
        rng = self.rng
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "2011年度"
        ncol = len(HEADERS_2011)
        last = get_column_letter(ncol)
        ws["A1"] = f"{COUNTY}企业产品执行标准数据库（2011年度）"
        ws["A1"].font = Font(size=16, bold=True)
        ws["A1"].alignment = Alignment(horizontal="center")
        ws.merge_cells(f"A1:{last}1")
        ws["A3"] = "填报单位：龙游县质量技术监督局（盖章）"
        ws["L3"] = "填报日期：2012年1月16日"
        thin = Side(style="thin")
        border = Border(left=thin, right=thin, top=thin, bottom=thin)
        for col, head in enumerate(HEADERS_2011, start=1):
            cell = ws.cell(row=4, column=col, value=head)
            cell.font = Font(bold=True)
            cell.border = border
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        rows = self.rows(2011)
        self.n_rows[2011] = len(rows)
        r = 5
        org_cells: dict[int, str] = {}
        for n, row in enumerate(rows, start=1):
            ent: Enterprise = row["ent"]  # type: ignore[assignment]
            prod: Product = row["prod"]  # type: ignore[assignment]
            if ent.idx not in org_cells:
                org_cells[ent.idx] = self.org_cell_2011(ent)
            metro = ent.metrology[2011]
            if isinstance(metro, dt.date):
                metro_cell: object = (
                    dt.datetime(metro.year, metro.month, metro.day)
                    if ent.idx % 3 == 0
                    else f"{metro.year}年{metro.month}月{metro.day}日"
                )
            else:
                metro_cell = metro or ""
            values: list[object] = [
                n,
                ent.names[2011],
                "" if ent.org_only_2011 else self.uscc_cell(ent),
                org_cells[ent.idx],
                ent.township[2011],
                ent.industry,
                ent.size[2011],
                row["name"],
                row["standard"],
                row["title"],
                row["adopted"],
                row["degree"],
                row["output"],
                prod.brand[2011],
                "是" if ent.high_tech[2011] else "否",
                "是" if ent.key_energy[2011] else "否",
                metro_cell,
                ent.good[2011] or "",
            ]
            for col, value in enumerate(values, start=1):
                cell = ws.cell(row=r, column=col, value=None if value == "" else value)
                cell.border = border
                if isinstance(value, dt.datetime):
                    cell.number_format = "yyyy-mm-dd"
                if col == 9 and isinstance(value, str) and "\n" in value:
                    cell.alignment = Alignment(wrap_text=True)
            r += 1
        # Trailing blank (but bordered) rows, as left by a template.
        for _ in range(4):
            for col in range(1, ncol + 1):
                ws.cell(row=r, column=col).border = border
            r += 1
        widths = [6, 34, 22, 13, 11, 9, 8, 22, 30, 30, 18, 9, 11, 9, 8, 8, 14, 9]
        for col, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
        ws.freeze_panes = "A5"
        notes = wb.create_sheet("填表说明")
        for i, line in enumerate(
            [
                "填表说明",
                "1. 每个产品填一行；一个产品执行多个标准的，标准号之间用顿号分隔。",
                "2. 未取得统一社会信用代码的企业填写组织机构代码（XXXXXXXX-X）。",
                "3. 一致性程度填写 IDT（等同）、MOD（修改）或 NEQ（非等效）。",
                "4. 产值单位为万元。",
            ],
            start=1,
        ):
            notes.cell(row=i, column=1, value=line)
        del rng
        save_stable_xlsx(wb, path, dt.datetime(2012, 1, 16, 9, 30, 0))

    # ---------------------------------------------------------------- 2012 csv

    def write_2012(self, path: Path) -> None:
        rng = self.rng
        rows = self.rows(2012)
        self.n_rows[2012] = len(rows)
        size_words = {
            "规上": ["规上", "规模以上", "规模以上"],
            "规下": ["规下", "规模以下", "规模以下"],
        }
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow([f"{COUNTY}2012年度企业产品执行标准汇总表"] + [""] * (len(HEADERS_2012) - 1))
        w.writerow(HEADERS_2012)
        switched_org = {e.idx for e in self.gen.enterprises if e.org_only_2011}
        new_ents = set(self.gen.special["new_enterprises"])  # type: ignore[call-overload]
        renamed = {u for u, _, _ in self.gen.special["renamed"]}  # type: ignore[attr-defined]
        org_given: dict[int, str] = {}
        for n, row in enumerate(rows, start=1):
            ent: Enterprise = row["ent"]  # type: ignore[assignment]
            prod: Product = row["prod"]  # type: ignore[assignment]
            if ent.idx not in org_given:
                give = ent.org_only_2011 or rng.random() < 0.3
                org_given[ent.idx] = (
                    (f"{ent.org[:8]}-{ent.org[8]}" if rng.random() < 0.8 else ent.org) if give else ""
                )
            metro = ent.metrology[2012]
            if isinstance(metro, dt.date):
                metro_cell = (
                    metro.isoformat() if ent.idx % 2 else f"{metro.year}年{metro.month}月{metro.day}日"
                )
            else:
                metro_cell = metro or ""  # type: ignore[assignment]
            note = ""
            if ent.uscc in new_ents:
                note = "2012年新增"
            elif ent.idx in switched_org:
                note = f"原组织机构代码{ent.org[:8]}-{ent.org[8]}"
            elif ent.uscc in renamed:
                note = f"原名{ent.names[2011]}"
            industry = ent.industry
            w.writerow(
                [
                    n,
                    ent.names[2012],
                    self.uscc_cell(ent),
                    org_given[ent.idx],
                    ent.township[2012],
                    industry,
                    rng.choice(size_words[ent.size[2012]]),
                    row["name"],
                    row["standard"],
                    row["title"],
                    row["adopted"],
                    row["degree"],
                    row["output"],
                    prod.brand.get(2012, ""),
                    "是" if ent.high_tech[2012] else "否",
                    "是" if ent.key_energy[2012] else "否",
                    metro_cell,
                    ent.good[2012] or "",
                    ent.reg_no or "",
                    note,
                ]
            )
        for _ in range(2):
            w.writerow([""] * len(HEADERS_2012))
        path.write_bytes(buf.getvalue().encode("gb18030"))

    # ---------------------------------------------------------------- catalog

    def write_catalog(self, path: Path) -> list[str]:
        rng = self.rng
        used = sorted(
            {c for e in self.gen.enterprises for p in e.products for cs in p.stds.values() for c in cs}
        )
        codes = [s.code for s in STANDARDS] + sorted(self.gen.q_standards)
        missing = [c for c in used if c not in codes]
        assert not missing, missing
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["标准号", "标准名称", "状态", "发布日期", "实施日期", "废止日期", "代替标准",
                    "采标号", "一致性程度"])  # fmt: skip
        for code in codes:
            std = self.stds[code]
            since = self.gen.outdated_since(std, self.stds)
            withdrawn = since.isoformat() if since and since <= CATALOG_DATE else ""

            def fmt(text: str) -> str:
                if text and rng.random() < 0.08:
                    x = dt.date.fromisoformat(text)
                    return f"{x.year}年{x.month}月{x.day}日"
                return text

            w.writerow(
                [
                    code,
                    std.title,
                    self.gen.status(std, self.stds),
                    fmt(std.published),
                    fmt(std.implemented),
                    fmt(withdrawn),
                    "、".join(std.replaces),
                    std.adopted or "",
                    std.degree or "",
                ]
            )
        path.write_text(buf.getvalue(), encoding="utf-8")
        return used


def save_stable_xlsx(wb: Workbook, path: Path, when: dt.datetime) -> None:
    """Save with fixed document properties and zip timestamps (byte-stable output)."""
    wb.properties.creator = "龙游县质量技术监督局"
    wb.properties.lastModifiedBy = "龙游县质量技术监督局"
    wb.properties.created = when
    wb.properties.modified = when
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    stable = io.BytesIO()
    with (
        zipfile.ZipFile(raw) as src,
        zipfile.ZipFile(stable, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2012, 1, 16, 9, 30, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    path.write_bytes(stable.getvalue())


# --------------------------------------------------------------------------- expectations


def summarize(gen: Generator, writer: Writer) -> dict[str, object]:
    stds = writer.stds

    def adoption(code: str) -> str | None:
        std = stds[code]
        if std.kind in ("international", "foreign"):
            return "direct"
        return std.degree or std.register_degree

    def counts(products: list[tuple[Enterprise, Product]], year: int) -> dict[str, object]:
        end = YEAR_END[year]
        c: Counter[str] = Counter()
        by_industry: dict[str, Counter[str]] = {}
        ents: set[int] = set()
        with_std_ents: set[int] = set()
        adopting_ents: set[int] = set()
        for ent, prod in products:
            codes = prod.stds[year]
            kinds = {adoption(x) for x in codes}
            adopting = bool(kinds & {"direct", "IDT", "MOD"})
            with_eqv = adopting or "EQV" in kinds
            outdated = any(
                (since := gen.outdated_since(stds[x], stds)) is not None and since <= end for x in codes
            )
            ents.add(ent.idx)
            value = prod.output.get(year) or 0.0
            c["output_value_total"] += value  # type: ignore[assignment]
            if codes:
                c["output_value_with_standard"] += value  # type: ignore[assignment]
                with_std_ents.add(ent.idx)
            if adopting:
                c["output_value_adopting"] += value  # type: ignore[assignment]
                adopting_ents.add(ent.idx)
            ind = by_industry.setdefault(ent.industry, Counter())
            for counter in (c, ind):
                counter["products"] += 1
                counter["products_with_standard"] += bool(codes)
                counter["products_without_standard"] += not codes
                counter["adopting_products"] += adopting
            c["adopting_products_counting_eqv"] += with_eqv
            c["neq_products"] += "NEQ" in kinds
            c["outdated_products"] += outdated
            if prod.brand.get(year) not in (None, "", NO_BRAND):
                c["brand_products"] += 1
                c["brand_products_with_standard"] += bool(codes)
                c["brand_adopting_products"] += adopting
        for k in ("output_value_total", "output_value_with_standard", "output_value_adopting"):
            c[k] = round(c[k], 1)  # type: ignore[assignment]
        totals: dict[str, object] = {
            "enterprises": len(ents),
            "enterprises_with_standard": len(with_std_ents),
            "adopting_enterprises": len(adopting_ents),
            **c,
        }
        totals["adoption_rate"] = round(c["adopting_products"] / c["products_with_standard"], 4)
        if c["brand_products_with_standard"]:
            totals["brand_adoption_rate"] = round(
                c["brand_adopting_products"] / c["brand_products_with_standard"], 4
            )
        return {
            "totals": totals,
            "by_industry": {k: dict(v) for k, v in sorted(by_industry.items())},
        }

    def file_products(year: int) -> list[tuple[Enterprise, Product]]:
        return [(e, p) for e in gen.enterprises if year in e.years for p in e.products if year in p.stds]

    carried = [(e, p) for e in gen.enterprises if 2011 in e.years and 2012 not in e.years for p in e.products]
    register_2012 = file_products(2012) + carried
    # Carried-over products keep their 2011 standards for the end-2012 register.
    for _, p in carried:
        p.stds[2012] = p.stds[2011]
        p.brand[2012] = p.brand[2011]
        p.output[2012] = p.output[2011]
    reg = counts(register_2012, 2012)
    for _, p in carried:
        del p.stds[2012]
        del p.brand[2012]
        del p.output[2012]

    outdated = []
    for code, std in sorted(stds.items()):
        since = gen.outdated_since(std, stds)
        if since is None:
            continue
        users = {y: sum(1 for e, p in file_products(y) if code in p.stds[y]) for y in (2011, 2012)}
        outdated.append(
            {
                "code": code,
                "status": gen.status(std, stds),
                "outdated_since": since.isoformat(),
                "replaced_by": std.replaced_by,
                "products_2011": users[2011],
                "products_2012": users[2012],
            }
        )
    org_only = [
        {"org_code": f"{e.org[:8]}-{e.org[8]}", "uscc_2012": e.uscc, "name": e.names[2011]}
        for e in gen.enterprises
        if e.org_only_2011
    ]
    sp = gen.special
    return {
        "generator": "sample_data/make_samples.py",
        "seed": SEED,
        "catalog_as_of": CATALOG_DATE.isoformat(),
        "rules": "classic adoption rule: a product adopts when it executes an ISO/IEC/EN/ASTM "
        "standard or one adopting with IDT/MOD (dual numbers are IDT); EQV is not counted "
        "(see adopting_products_counting_eqv); neq_products = products executing a standard "
        "with degree NEQ; outdated = executes a standard withdrawn, or replaced by one in "
        "effect, on or before 31 December of the year",
        "files": {
            "register_2011.xlsx": {
                "rows": writer.n_rows[2011],
                "header_row": 4,
                "first_data_row": 5,
                **counts(file_products(2011), 2011),
                "stats": dict(writer.stats["2011"]),
            },
            "register_2012.csv": {
                "rows": writer.n_rows[2012],
                "header_line": 2,
                **counts(file_products(2012), 2012),
                "stats": dict(writer.stats["2012"]),
            },
        },
        "register_end_2012_after_import_2011_then_2012_complete": reg,
        "org_code_only_in_2011": org_only,
        "enterprises_per_standard_rows": {
            str(y): [e.uscc for e in gen.enterprises if e.per_standard_rows.get(y)] for y in (2011, 2012)
        },
        "non_enterprise_authorities": sp["non_enterprise_authorities"],
        "dropped_enterprises_2012": sp["dropped_enterprises"],
        "new_enterprises_2012": sp["new_enterprises"],
        "new_brand_products_2012": sp["new_brand_products_2012"],
        "renamed_2012": sp["renamed"],
        "township_changed_2012": sp["township_changed"],
        "size_changed_2012": sp["size_changed"],
        "dropped_products_2012": sp["dropped_products"],
        "standard_switches_2012": sp["switched"],
        "enterprise_standards_withdrawn_2012": sp["q_withdrawn_2012"],
        "future_year_code_in_2011": sp["future_year_2011"],
        "group_standard_product_2012": sp["group_standard_product"],
        "outdated_standards": outdated,
        "register_only_adoption": sorted(
            [s.code, s.register_adopted, s.register_degree]
            for s in gen.q_standards.values()
            if s.register_adopted
        ),
    }


# A 2013 survey as the townships return it (SPEC.md, "Real township forms"): new
# enterprises of three townships, each sheet a copy of the county's template.
TOWNSHIP_FORM_2013: dict[str, list[tuple[str, int, list[tuple[str, str, str, str, str]], str, str, str]]] = {
    # township: [(enterprise, number, [(product, standard, title, adopted, degree)], output, brand, 规上)]
    "湖镇镇": [
        ("龙游恒达纸业有限公司", 9101, [
            ("牛皮箱纸板", "GB/T 13024-2003", "箱纸板", "", ""),
            ("食品包装纸", "GB/T 24696-2009", "食品包装用纸", "", ""),
        ], "1,250.5", "浙江名牌", "是"),
        ("龙游竹韵工艺品厂", 9102, [("竹编工艺品", "无", "", "", "")], "８６", "", "否"),
    ],
    "詹家镇": [
        ("龙游华鑫机械有限公司", 9103, [
            ("离心通风机", "JB/T 7221-2004", "离心通风机", "", ""),
            ("轴流通风机", "JB/T 10562-2006", "", "ISO 5801:2007", "MOD"),
            ("风机配件", "/", "", "", ""),
        ], "200万元", "衢州名牌", "是"),
    ],
    "龙洲街道": [
        ("龙游光明电子科技有限公司", 9104, [("LED 照明灯具", "GB 7000.1-2007", "灯具 第1部分", "IEC 60598-1:2003", "IDT")],
         "3,400", "", "是"),
    ],
}  # fmt: skip
_FORM_PARENTS = ["序号", "企业名称", "统一社会信用代码", "产品名称", "执行标准", "执行标准", "采用国际标准",
                 "采用国际标准", "2013年产值（万元）", "名牌称号", "规模以上企业（是/否）"]  # fmt: skip
_FORM_CHILDREN = ["", "", "", "", "编号", "名称", "标准号", "程度", "", "", ""]


def write_township_2013(path: Path) -> dict[str, object]:
    """The township workbook of 2013; returns what it holds, for expected_summary.json."""
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    thin = Side(style="thin")
    products = without = 0
    for township, enterprises in TOWNSHIP_FORM_2013.items():
        ws = wb.create_sheet(township)
        ws.append([f"{COUNTY}2013年度企业产品执行标准情况调查表"])
        ws["A1"].font = Font(size=14, bold=True)
        ws.merge_cells("A1:K1")
        ws.append([f"填报单位：{township}人民政府（盖章）", None, None, None, None, None, None, "填报日期：2014年1月20日"])
        ws.merge_cells("A2:F2")
        ws.append(_FORM_PARENTS)
        ws.append(_FORM_CHILDREN)
        for column in "ABCDIJK":
            ws.merge_cells(f"{column}3:{column}4")
        ws.merge_cells("E3:F3")
        ws.merge_cells("G3:H3")
        serial = 0
        for name, number, items, output, brand, above in enterprises:
            org = f"{number:08d}"
            org += calc_org_check(org)
            first17 = f"91{COUNTY_CODE}" + org
            start = ws.max_row + 1
            for i, (product, standard, title, adopted, degree) in enumerate(items):
                serial += 1
                products += 1
                without += standard in ("无", "/")
                head = [name, first17 + calc_uscc_check(first17)] if i == 0 else [None, None]
                # the enterprise's output value and brand title on its first product's row
                facts = [output, brand] if i == 0 else [None, None]
                ws.append([serial, *head, product, standard, title, adopted, degree, *facts, above])
            if ws.max_row > start:
                for column in "BCK":
                    ws.merge_cells(f"{column}{start}:{column}{ws.max_row}")
            if len(items) > 1:
                ws.append(["小计", None, None, f"{len(items)} 个产品"])
        ws.append(["合计", None, None, f"{serial} 个产品"])
        ws.append([None, "以下空白"])
        ws.append(["填表说明：1. 一个产品执行多个标准的，用顿号隔开；2. 无执行标准的填“无”。"])
        ws.merge_cells(f"A{ws.max_row}:K{ws.max_row}")
        ws.append([None, "审核人：张建国", None, None, None, None, None, "填表人：李红"])
        for row in ws.iter_rows(min_row=3, max_row=4):
            for cell in row:
                cell.font = Font(bold=True)
                cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
        for column, width in zip("ABCDEFGHIJK", (6, 28, 22, 16, 22, 16, 18, 8, 12, 10, 12), strict=True):
            ws.column_dimensions[column].width = width
    notes = wb.create_sheet("说明")
    notes.append(["本表由各乡镇（街道）填报，一个乡镇一张工作表。"])
    save_stable_xlsx(wb, path, dt.datetime(2014, 1, 20, 9, 30))
    return {"sheets": list(TOWNSHIP_FORM_2013), "products": products, "products_without_standard": without}


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="output directory")
    out: Path = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    gen = Generator()
    gen.build()
    writer = Writer(gen)
    writer.write_2011(out / "register_2011.xlsx")
    writer.write_2012(out / "register_2012.csv")
    writer.write_catalog(out / "catalog.csv")
    summary = summarize(gen, writer)
    summary["township_2013"] = write_township_2013(out / "township_2013.xlsx")
    (out / "expected_summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    files = summary["files"]
    assert isinstance(files, dict)
    for name, info in files.items():
        totals = info["totals"]
        print(
            f"{name}: {info['rows']} rows, {totals['enterprises']} enterprises, "
            f"{totals['products']} products, {totals['products_without_standard']} without "
            f"standard, adoption {totals['adoption_rate']:.1%}, brand adoption "
            f"{totals.get('brand_adoption_rate', 0):.1%}, outdated {totals['outdated_products']}"
        )


if __name__ == "__main__":
    main()

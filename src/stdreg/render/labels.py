"""Labels of report fields, codes and the read commands' columns, in Chinese (default) and English."""

from __future__ import annotations

import re

LABELS: dict[str, tuple[str, str]] = {
    "report": ("企业产品执行标准统计", "Executed-standard statistics"),
    "as_of": ("截至", "as of"),
    "rule": ("采标口径", "adoption rule"),
    "enterprises": ("企业数", "Enterprises"),
    "products": ("产品数", "Products"),
    "products_with_standard": ("有标产品", "With a standard"),
    "products_without_standard": ("无标产品", "Without a standard"),
    "adopting_products": ("采标产品", "Adopting"),
    "adoption_rate": ("采标率（按产品）", "Adoption rate (products)"),
    "neq_products": ("非等效采用产品", "NEQ products"),
    "outdated_products": ("执行过期标准产品", "Made to outdated standards"),
    "adoption_rate_by_enterprise": ("采标率（按企业）", "Adoption rate (enterprises)"),
    "adoption_rate_by_output_value": ("采标率（按产值）", "Adoption rate (output value)"),
    "key_energy_users": ("重点用能单位", "Key energy users"),
    "key_energy_users_metrology_confirmed": ("其中计量体系确认", "…with confirmed metrology"),
    "totals": ("全县合计", "County totals"),
    "brand_products": ("名牌产品", "Brand products"),
    "by_industry": ("按行业", "By industry"),
    "by_township": ("按乡镇", "By township"),
    "by_region": ("按区县", "By region"),
    "by_size": ("按规模", "By enterprise size"),
    "by_level": ("按标准层级（最高层级）", "By highest standard level"),
    "targets": ("目标完成情况", "Targets"),
    "target": ("目标", "Target"),
    "actual": ("实际", "Actual"),
    "met": ("是否完成", "Met"),
    "yes": ("完成", "met"),
    "no": ("未完成", "not met"),
    "no_data": ("无数据", "no data"),
    "key": ("分类", "Group"),
    "previous": ("上年", "Previous year"),
    "change": ("变化", "Change"),
    "item": ("指标", "Item"),
    "unknown": ("未填", "unknown"),
    # codes
    "above": ("规上", "above designated size"),
    "below": ("规下", "below designated size"),
    "international": ("国际标准", "international"),
    "foreign": ("国外先进标准", "foreign"),
    "national": ("国家标准", "national"),
    "industry": ("行业标准", "industry"),
    "local": ("地方标准", "local"),
    "group": ("团体标准", "group"),
    "enterprise": ("企业标准", "enterprise"),
    "none": ("无标准", "no standard"),
    # the workbook (stdreg report --format xlsx) and the trend
    "workbook": ("{year}年度企业产品执行标准统计报告", "Executed-standard statistics {year}"),
    "trend_title": (
        "企业产品执行标准历年统计（{first}—{last}年）",
        "Executed-standard statistics {first}–{last}",
    ),
    "sheet_summary": ("概况", "Summary"),
    "sheet_industry": ("按行业", "By industry"),
    "sheet_township": ("按乡镇", "By township"),
    "sheet_region": ("按区县", "By region"),
    "sheet_size": ("按规模", "By size"),
    "sheet_level": ("按标准层级", "By standard level"),
    "sheet_brand": ("名牌产品", "Brand products"),
    "sheet_outdated": ("标准过期", "Outdated standards"),
    "sheet_without": ("无标生产", "Without standard"),
    "sheet_standard_level": ("标准水平", "Standard level"),
    "sheet_detail": ("明细", "Detail"),
    "sheet_trend": ("趋势", "Trend"),
    "subtitle": ("统计截至 {as_of}", "As of {as_of}"),
    "subtitle_generated": (
        "统计截至 {as_of}　　生成时间 {generated}",
        "As of {as_of}    generated {generated}",
    ),
    "footer": ("第 &P 页，共 &N 页", "Page &P of &N"),
    "key_figures": ("主要指标", "Key figures"),
    "county": ("全县", "County"),
    "year_label": ("{year}年", "{year}"),
    "increase": ("增减", "Change"),
    "increase_points": ("增减（百分点）", "Change (points)"),
    "previous_rate": ("上年采标率", "Previous year's rate"),
    "previous_actual": ("上年实际", "Previous year"),
    "target_line": ("目标：{label}", "Target: {label}"),
    "target_rate": ("目标采标率", "Target rate"),
    "series": ("历年采标率", "Adoption rate by year"),
    "year": ("年份", "Year"),
    "notes": ("说明", "Notes"),
    "generated": ("生成时间", "Generated"),
    "as_of_date": ("统计截至", "As of"),
    "total": ("合计", "Total"),
    "brand_title": ("名牌称号", "Brand title"),
    "brand_list": ("名牌产品及其采标情况", "Brand products and their adoption"),
    "brand_by_title": ("名牌产品：按名牌称号", "Brand products by title"),
    "brand_by_industry": ("名牌产品：按行业", "Brand products by industry"),
    "brand_by_township": ("名牌产品：按乡镇", "Brand products by township"),
    "standards": ("执行标准", "Standards"),
    "adopting_through": ("采标依据", "Adopts through"),
    "outdated_list": (
        "执行已废止或被代替标准的产品（按乡镇）",
        "Products made to a withdrawn or replaced standard, by township",
    ),
    "move_to": ("应改用标准", "Move to"),
    "without_list": ("无标准生产的产品（按乡镇）", "Products made without a standard, by township"),
    "level_products": (
        "产品数：按行业和执行标准的最高层级",
        "Products by industry and highest standard level",
    ),
    "level_output": (
        "产值（万元）：按行业和执行标准的最高层级",
        "Output value (10k yuan) by industry and highest standard level",
    ),
    "standard_age": (
        "标龄：各行业执行的标准（自实施日期至统计截至日）",
        "Age of the standards each industry executes (from implementation to the as-of date)",
    ),
    "age_standards": ("执行标准数", "Standards"),
    "age_dated": ("标龄已知", "Age known"),
    "mean_age": ("平均标龄（年）", "Mean age (years)"),
    "median_age": ("中位标龄（年）", "Median age (years)"),
    "max_age": ("最长标龄（年）", "Oldest (years)"),
    "older_than_review": ("标龄超过{years}年", "Older than {years} years"),
    "share_older_than_review": ("超期占比", "Share past review"),
    "age_dated_after": ("尚未实施", "Not yet in force"),
    "detail_title": ("明细：每项执行标准一行，无标准的产品一行", "Detail: one row per executed standard"),
    "industry_chart": ("各行业采标率", "Adoption rate by industry"),
    "year_chart": ("全县历年采标率", "County adoption rate by year"),
    "brand_adoption_rate": ("名牌产品采标率", "Brand products' adoption rate"),
    "standard_coverage": ("有标产品占比", "Share of products with a standard"),
    "chart_compares": ("各行业比较：", "each industry's "),
    "rule_note": ("采标口径", "Adoption rule"),
    "rule_classic": (
        "等同（IDT）、修改（MOD）采用国际标准或国外先进标准计为采标，非等效（NEQ）不计",
        "IDT or MOD adoption of international or foreign advanced standards counts; NEQ does not",
    ),
    "rule_national-2025": (
        "2025-06-01起仅计转化为国家标准的ISO/IEC/ITU标准（等同、修改采用）",
        "from 2025-06-01 only national standards converted from ISO/IEC/ITU count (IDT, MOD)",
    ),
    "rule_eqv": ("；等效（EQV）计为采标", "; EQV counts as adoption"),
    "rate_adoption_rate": (
        "采标率（按产品）= 采标产品数 ÷ 执行至少一项标准的产品数",
        "Adoption rate (products) = adopting products ÷ products that execute at least one standard",
    ),
    "rate_adoption_rate_by_enterprise": (
        "采标率（按企业）= 有采标产品的企业数 ÷ 有执行标准产品的企业数",
        "Adoption rate (enterprises) = enterprises with an adopting product ÷ enterprises with a product "
        "that executes a standard",
    ),
    "rate_adoption_rate_by_output_value": (
        "采标率（按产值）= 采标产品产值 ÷ 执行标准产品产值",
        "Adoption rate (output value) = output value of adopting products ÷ output value of products "
        "that execute a standard",
    ),
    "level_note": (
        "产品按其执行标准的最高层级计一次：国际、国外先进、国家、行业、地方、团体、企业",
        "Each product counts once, under the highest level it executes: international, foreign, national, "
        "industry, local, group, enterprise",
    ),
    "age_note": (
        "标龄按标准的实施日期计（无日期时按标准年号的年中计）；实施日期晚于统计截至日的标准"
        "（尚未实施）不计标龄，另列其数；合计行按全县不重复的标准计",
        "Age from the implementation date (else the middle of the standard's year); standards implemented "
        "after the as-of date (not yet in force) have no age and are counted apart; the total counts "
        "each standard of the county once",
    ),
    "yes_mark": ("是", "yes"),
    "no_mark": ("否", "no"),
}


def met_key(met: bool | None) -> str:
    """The label key of a target's outcome: met, not met, or no data (neither met nor missed)."""
    return "no_data" if met is None else "yes" if met else "no"


def label(key: str | None, lang: str) -> str:
    """The label of a field or code; unknown keys are shown as they are."""
    if key is None:
        key = "unknown"
    pair = LABELS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


def text(key: str, lang: str, **values: object) -> str:
    """A label with its placeholders filled in.

    >>> text("year_label", "zh", year=2012), text("year_label", "en", year=2012)
    ('2012年', '2012')
    """
    return label(key, lang).format(**values)


# --- the columns and answers of history, check and lookup ----------------------------------


def pick(pair: tuple[str, str], lang: str) -> str:
    """The Chinese or the English of a (Chinese, English) pair.

    >>> pick(("现行", "current"), "en"), pick(("现行", "current"), "zh")
    ('current', '现行')
    """
    return pair[1] if lang == "en" else pair[0]


HISTORY_LABELS: dict[str, tuple[str, str]] = {
    # the columns of `stdreg history`
    "date": ("日期", "Date"),
    "written_at": ("写入时间", "Written"),
    "batch": ("批次", "Batch"),
    "kind": ("方式", "Kind"),
    "source": ("来源", "Source"),
    "what": ("变更", "What changed"),
    "reverted_by": ("撤销批次", "Reverted by"),
    "region": ("区县", "Region"),
}
CHECK_LABELS: dict[str, tuple[str, str]] = {
    # the columns of `stdreg check`
    "township": ("乡镇", "Township"),
    "enterprise": ("企业名称", "Enterprise"),
    "uscc": ("统一社会信用代码", "USCC"),
    "org_code": ("组织机构代码", "Organization code"),
    "product": ("产品名称", "Product"),
    "standard": ("执行标准", "Standard"),
    "status": ("标准状态", "Status"),
    "outdated_from": ("过期日期", "Outdated from"),
    "replaced_by": ("替代标准", "Replaced by"),
    "move_to": ("应改用", "Move to"),
}
LOOKUP_LABELS: dict[str, tuple[str, str]] = {
    # the columns of `stdreg lookup`
    "input": ("原文", "As written"),
    "row": ("行号", "Row"),
    "code": ("标准号", "Code"),
    "title": ("标准名称", "Title"),
    "level": ("标准层级", "Level"),
    "nature": ("标准性质", "Nature"),
    "status": ("标准状态", "Status"),
    "implemented_on": ("实施日期", "Implemented"),
    "withdrawn_on": ("废止日期", "Withdrawn"),
    "outdated_from": ("过期日期", "Outdated from"),
    "replaced_by": ("替代标准", "Replaced by"),
    "move_to": ("应改用", "Move to"),
    "adopted": ("采用国际标准", "Adopted standard"),
    "degree": ("一致性程度", "Degree"),
    "editions": ("目录中的版本", "Editions in the catalog"),
    "current_edition": ("现行版本", "Current edition"),
    "products": ("执行产品数", "Products"),
    "enterprises": ("执行企业数", "Enterprises"),
    "note": ("说明", "Note"),
}
STANDARD_STATUS: dict[str, tuple[str, str]] = {
    # a standard's status on a date, as lookup and check answer it
    "current": ("现行", "current"),
    "upcoming": ("即将实施", "upcoming"),
    "replaced": ("被代替", "replaced"),
    "withdrawn": ("废止", "withdrawn"),
    "undated": ("未注年代号", "undated"),
    "not_in_catalog": ("目录中无", "not in the catalog"),
    "invalid": ("不是标准号", "not a code"),
}
STANDARD_NATURE: dict[str, tuple[str, str]] = {
    "mandatory": ("强制性", "mandatory"),
    "recommended": ("推荐性", "recommended"),
    "guidance": ("指导性", "guidance"),
}
_NOTE_WORDS = (
    # the library's notes are English (JSON); tables and workbooks in Chinese say them in Chinese
    ("edition not in the catalog", "目录中无此版本"),
    ("not in the catalog", "目录中无此标准"),
    ("undated code", "未注年代号"),
    ("withdrawn without replacement", "已废止，无替代标准"),
    ("the catalog knows ", "目录中有 "),
    ("current edition is ", "现行版本为 "),
    ("move to ", "应改用 "),
    ("in force from ", "实施日期 "),
    ("not a standard code: ", "不是标准号："),
    ("; ", "；"),
)
_NONE_CURRENT = re.compile(r"none is current on (\S+)")


def chinese_note(note: str) -> str:
    """A note of lookup's answers (English, as JSON has it) in Chinese.

    >>> chinese_note("edition not in the catalog; current edition is GB/T 19001-2016")
    '目录中无此版本；现行版本为 GB/T 19001-2016'
    """
    note = _NONE_CURRENT.sub(r"\1 无现行版本", note)
    for english, chinese in _NOTE_WORDS:
        note = note.replace(english, chinese)
    return note

"""Labels of report fields and codes, in Chinese (default) and English."""

from __future__ import annotations

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
    "by_size": ("按规模", "By enterprise size"),
    "by_level": ("按标准层级（最高层级）", "By highest standard level"),
    "targets": ("目标完成情况", "Targets"),
    "target": ("目标", "Target"),
    "actual": ("实际", "Actual"),
    "met": ("是否完成", "Met"),
    "yes": ("完成", "met"),
    "no": ("未完成", "not met"),
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
}


def label(key: str | None, lang: str) -> str:
    """The label of a field or code; unknown keys are shown as they are."""
    if key is None:
        key = "unknown"
    pair = LABELS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]

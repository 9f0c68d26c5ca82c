"""Agency names as plan documents write them.

Documents mix full names (县发展和改革局) and customary short ones (县发改局), and one
document may even write the same agency two ways (县机关事务中心 / 县机关事务管理中心).
`canonical` folds both forms to one key so they can be matched or offered as aliases.
"""

import re

# Customary short form → full form of the core name (without the 县/市 prefix).
SHORT_FORMS = {
    "发改局": "发展和改革局",
    "发改委": "发展和改革委员会",
    "发展改革局": "发展和改革局",
    "发展改革委": "发展和改革委员会",
    "工信局": "工业和信息化局",
    "科工信局": "科技和工业信息化局",
    "住建局": "住房和城乡建设局",
    "住房城乡建设局": "住房和城乡建设局",
    "交通局": "交通运输局",
    "农业局": "农业农村局",
    "城管局": "城市管理局",
    "城管执法局": "城市管理和综合执法局",
    "市场监管局": "市场监督管理局",
    "科技局": "科学技术局",
    "教体局": "教育体育局",
    "文旅广电局": "文化旅游广电体育局",
    "文旅局": "文化旅游广电体育局",
    "人社局": "人力资源和社会保障局",
    "人力资源社会保障局": "人力资源和社会保障局",
    "卫健局": "卫生健康局",
    "应急局": "应急管理局",
    "商粮局": "商务和粮食局",
    "自然资源和规划局": "自然资源局",
    "机关事务中心": "机关事务服务中心",
    "机关事务管理中心": "机关事务服务中心",
    "机关事务局": "机关事务服务中心",
    "国资委": "国有资产监督管理委员会",
    "数据局": "数据资源局",
    "生态环境局": "生态环境局",
    "经信局": "经济和信息化局",
    "经济信息化局": "经济和信息化局",
    "医保局": "医疗保障局",
    "行政审批局": "行政审批服务局",
    "审批局": "行政审批服务局",
    "文旅体局": "文化旅游体育局",
    "文化和旅游局": "文化旅游局",
}

_PREFIX = re.compile(r"^(县|市|区|省|州)")
_PUNCT = re.compile(r"[\s·•、，,。()（）]")
# Documents wrap or decorate agency names: 县发改局等, 县交通运输局（牵头）.
_DEBRIS = re.compile(r"(等|牵头|配合|按职责分工负责|负责)+$")


def canonical(name: str) -> str:
    """A matching key: punctuation dropped, the short form of the core name expanded."""
    name = _PUNCT.sub("", name or "")
    match = _PREFIX.match(name)
    prefix, core = (match.group(1), name[1:]) if match else ("", name)
    core = SHORT_FORMS.get(core, core)
    return prefix + core


def infer_kind(name: str) -> str:
    if "乡镇" in name or "街道" in name or name.endswith(("镇", "乡")):
        return "township"
    if "园区" in name or "管委会" in name or "高新区" in name:
        return "park"
    if name.endswith(("公司", "集团")):
        return "enterprise"
    return "government"


def clean_name(name: str) -> str:
    """An agency name as written, without whitespace, brackets and trailing 等/牵头."""
    name = _PUNCT.sub("", name or "")
    return _DEBRIS.sub("", name)


def _is_subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(c in chars for c in short)


def looks_like_short_form(short: str, full: str) -> bool:
    """True when `short` reads as a customary abbreviation of `full` that SHORT_FORMS
    does not list: same prefix (县/市), same final character (局/委/办/中心…), and
    every character of the short core appears, in order, in the full core
    (县环保局 ~ 县生态环境保护局 does not; 县自然资源局 ~ 县自然资源和规划局 does)."""
    a, b = _PUNCT.sub("", short or ""), _PUNCT.sub("", full or "")
    if not a or not b or a == b or len(a) >= len(b) or len(a) < 3:
        return False
    if a[0] != b[0] or a[-1] != b[-1]:
        return False
    return _is_subsequence(a, b)


def suggest_matches(name: str, candidates) -> list:
    """Candidates (objects with .name, .short_name, .aliases) that `name` probably
    means, best first: the same canonical name, then a plausible short form either way."""
    key = canonical(name)
    strong, weak = [], []
    for cand in candidates:
        forms = [cand.name, getattr(cand, "short_name", "") or "", *(getattr(cand, "aliases", None) or [])]
        forms = [f for f in forms if f]
        if any(canonical(f) == key for f in forms):
            strong.append(cand)
        elif any(looks_like_short_form(name, f) or looks_like_short_form(f, name) for f in forms):
            weak.append(cand)
    return strong + weak

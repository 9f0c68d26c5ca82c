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
}

_PREFIX = re.compile(r"^(县|市|区|省|州)")
_PUNCT = re.compile(r"[\s·•、，,。()（）]")


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

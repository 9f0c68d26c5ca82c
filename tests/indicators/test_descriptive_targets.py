"""A target in words (“城区公共交通站点500米全覆盖”): which targets are words."""

import pytest

from indicators.trajectory import is_descriptive_text

DESCRIPTIVE = [
    "到2025年,实现城区公共交通站点500米全覆盖",
    "城区公共交通站点500米全覆盖",
    "基本建成绿色低碳循环发展经济体系",
    "建立健全碳排放统计核算机制",
    "实现乡镇污水处理设施全覆盖",
    "到2030年，全面建成清洁低碳安全高效的能源体系",
    "建成15分钟便民生活圈",
    "公共充电设施服务半径3公里全覆盖",
    "2026年底前完成全县碳排放权交易纳管企业配额清缴",
    "形成绿色低碳生活方式",
    "实现“双碳”统计监测全域覆盖",
    "建立规模以上工业碳排放快报统计制度",
    "“十四五”期间实现城乡供水一体化",
]
NUMERIC = [
    "力争到2025年,全县新能源装机容量达到135.5万千瓦以上",
    "全县森林覆盖率目标值为稳定在39.00%",
    "实现充电车位比例不低于20%",
    "全年新增公共充电桩400个以上",
    "城镇新开工装配式建筑面积占新建建筑面积的比例超过60%",
    "到2025年,城市生活垃圾无害化处理率达到100%",
    "培育建设5家省级及以上绿色工厂",
    "建立10个零碳示范村",
    "单位地区生产总值能耗比2020年下降13.5%",
    "公交站点500米覆盖率达到100%",
    "到2025年,农村电网供电可靠率达99.87%",
    "力争年内新增风光新能源装机30万千瓦",
    "城镇新建建筑全面执行绿色建筑标准，星级绿色建筑占比达到30%",
]


@pytest.mark.parametrize("text", DESCRIPTIVE)
def test_a_state_to_reach_is_a_target_in_words(text):
    assert is_descriptive_text(text)


@pytest.mark.parametrize("text", NUMERIC)
def test_a_quantity_compared_is_a_numeric_target(text):
    assert not is_descriptive_text(text)

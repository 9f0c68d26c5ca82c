from types import SimpleNamespace

import pytest

from agencies.names import canonical, clean_name, looks_like_short_form, suggest_matches


@pytest.mark.parametrize(
    "short,full",
    [
        ("县发改局", "县发展和改革局"),
        ("县发展改革局", "县发展和改革局"),
        ("县住建局", "县住房和城乡建设局"),
        ("市工信局", "市工业和信息化局"),
        ("县机关事务中心", "县机关事务管理中心"),
        ("县医保局", "县医疗保障局"),
        ("县市场监管局", "县市场监督管理局"),
    ],
)
def test_customary_short_forms_fold_onto_the_full_name(short, full):
    assert canonical(short) == canonical(full)


def test_the_prefix_keeps_county_and_city_agencies_apart():
    assert canonical("县发改局") != canonical("市发改委")
    assert canonical("县发改局") != canonical("市发展和改革局")


def test_clean_name_drops_debris_around_a_name():
    assert clean_name(" 县发改局等 ") == "县发改局"
    assert clean_name("县交通运输局（牵头）") == "县交通运输局"
    assert clean_name("各乡镇人民政府按职责分工负责") == "各乡镇人民政府"


@pytest.mark.parametrize(
    "short,full,expected",
    [
        ("县林业局", "县林业和绿化局", True),
        ("县自然资源局", "县自然资源和规划局", True),
        ("县环保局", "县生态环境局", False),  # characters out of order: no guess
        ("县林业局", "市林业和绿化局", False),  # another level of government
        ("县林业局", "县林业和绿化中心", False),  # another kind of body
        ("县局", "县林业局", False),  # too short to mean anything
    ],
)
def test_a_plausible_short_form_is_recognised_but_only_suggested(short, full, expected):
    assert looks_like_short_form(short, full) is expected


def test_suggestions_put_canonical_matches_before_guesses():
    agencies = [
        SimpleNamespace(name="县林业和绿化局", short_name="", aliases=[]),
        SimpleNamespace(name="县发展和改革局", short_name="", aliases=[]),
        SimpleNamespace(name="县交通运输局", short_name="", aliases=["县交通局"]),
    ]
    assert [a.name for a in suggest_matches("县发改局", agencies)] == ["县发展和改革局"]
    assert [a.name for a in suggest_matches("县林业局", agencies)] == ["县林业和绿化局"]
    assert [a.name for a in suggest_matches("县交通局", agencies)] == ["县交通运输局"]
    assert suggest_matches("县统计局", agencies) == []

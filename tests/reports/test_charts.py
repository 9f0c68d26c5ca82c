import re

from reports import charts


def test_the_completion_chart_is_an_svg_with_the_cjk_font_and_every_label(settings):
    settings.PDF_FONT_FAMILY = "Noto Sans CJK SC"
    svg = charts.completion_bars([("（一）能源绿色低碳转型行动", 55.5), ("（二）交通运输行动", None)])
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "Noto Sans CJK SC" in svg
    assert "（一）能源绿色低碳转型行动" in svg and "55.5%" in svg
    # A quarter without figures is labelled, not drawn as a zero.
    assert "（二）交通运输行动（无数据）" in svg


def test_charts_carry_no_script_and_point_nowhere_outside(settings):
    for svg in (
        charts.lights_donut(3, 2, 7),
        charts.timeliness_bars([("县发改局", 100), ("县交通运输局", 0)]),
    ):
        assert "<script" not in svg
        assert set(re.findall(r"https?://[^\"'\s<>]+", svg)) <= {
            "http://www.w3.org/2000/svg",
            "http://www.w3.org/1999/xlink",
        }


def test_the_donut_prints_the_counts_of_each_light():
    svg = charts.lights_donut(3, 2, 7)
    assert all(label in svg for label in ("红灯", "黄灯", "绿灯"))
    assert all(f">{n}<" in svg for n in (3, 2, 7))
    assert charts.RED in svg and charts.GREEN in svg

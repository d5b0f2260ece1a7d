"""Charts: Chinese names draw with the shipped CJK font, labels in the reader's language, alt text."""

from __future__ import annotations

import warnings
from datetime import date, timedelta
from pathlib import Path

from matplotlib import font_manager
from matplotlib.font_manager import FontProperties

from bot.charts import CJK_FAMILY, Series, alt_text, render_png
from bot.rounds import tick
from bot.services import Services
from tests.conftest import Harness


def _series(name: str) -> Series:
    weeks = [date(2026, 10, 5) + timedelta(weeks=i) for i in range(4)]
    return Series(name, "CNY", 600_000, weeks, [40_000, 85_000, 130_000, 180_000], [46_000, 92_000, 138_000, 184_000])


def test_a_chinese_chart_draws_every_glyph_with_the_shipped_font() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for each empty box
        png = render_png([_series("销售额（华东）"), _series("新客户数")], "李伟 · 2026-W49", "zh-CN")
    assert png.startswith(b"\x89PNG")
    path = Path(font_manager.findfont(FontProperties(family=CJK_FAMILY), fallback_to_default=False))
    assert "mplfonts" in path.parts  # the dependency's font, not one that happens to be on this machine


def test_the_same_chart_without_the_cjk_font_would_miss_glyphs() -> None:
    """The check above can fail: DejaVu Sans alone has no Chinese."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with warnings.catch_warnings(record=True) as caught, rc_context({"font.family": ["DejaVu Sans"]}):
        warnings.simplefilter("always")
        figure = Figure()
        FigureCanvasAgg(figure)
        figure.suptitle("销售额")
        figure.savefig(Path("/dev/null"), format="png")
    assert any("missing from font" in str(w.message) for w in caught)


def test_alt_text_says_what_the_chart_shows_in_the_readers_language() -> None:
    zh = alt_text([_series("销售额")], "李伟 · 2026-W49", "zh-CN")
    assert zh.startswith("趋势图：李伟 · 2026-W49。") and "¥18万" in zh and "¥60万" in zh
    en = alt_text([_series("Revenue")], "Li Wei · 2026-W49", "en-US")
    assert "Revenue: CNY 180k so far" in en and "target CNY 600k" in en


def test_chart_upload_carries_alt_text(bot: Harness, services: Services) -> None:
    bot.clock.now = bot.clock.now.replace(hour=1)  # 09:00 in Shanghai: Li Wei's prompt, and his zh-CN locale
    tick(services)
    bot.dm("U001", "销售额4.5万，新客户2个，投诉率1.5%")
    bot.command("U001", "me chart")
    assert bot.slack.wait_for(lambda _: bool(bot.slack.calls_to("files.getUploadURLExternal")), timeout=20)
    args = bot.slack.calls_to("files.getUploadURLExternal")[-1].args
    assert args["alt_txt"].startswith("趋势图：Li Wei")
    assert "¥4.5万" in args["alt_txt"]

"""Block Kit for the goal pyramid."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot import i18n
from bot.goals import GoalTree
from handlers.render.escape import clip, escape
from handlers.render.team import MESSAGE_BLOCKS, SECTION_TEXT, bar, kpi_line

i18n.register(
    {
        "goals_title": {"en": "Goals and the KPIs that support them", "zh": "目标及支撑它们的 KPI"},
        "goals_none": {
            "en": "No goals yet: add them to the organisation file (`goals:`).",
            "zh": "还没有目标：请在组织文件的 `goals:` 中添加。",
        },
        "goals_unsupported": {"en": ":warning: no KPI supports this goal", "zh": ":warning: 没有 KPI 支撑这个目标"},
        "goals_more": {"en": "{n} more KPIs (not yours to see in detail)", "zh": "另有 {n} 个 KPI（无权查看明细）"},
        "goals_orphans": {
            "en": ":warning: *{n} KPIs support no goal*; link them with `goal:` in the organisation file",
            "zh": ":warning: *{n} 个 KPI 没有关联任何目标*；请在组织文件中用 `goal:` 关联",
        },
        "level_company": {"en": "company", "zh": "公司"},
        "level_department": {"en": "department", "zh": "部门"},
        "level_team": {"en": "team", "zh": "团队"},
        "level_person": {"en": "person", "zh": "个人"},
    }
)


def goals_blocks(tree: GoalTree, locale: str) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=i18n.t("goals_title", locale))]
    if not tree.nodes:
        return [*blocks, SectionBlock(text=i18n.t("goals_none", locale))]
    for node in tree.nodes[: MESSAGE_BLOCKS - 4]:
        indent = "    " * node.depth
        head = f"{indent}*{escape(node.title)}* _({i18n.t(f'level_{node.level}', locale)})_ `{bar(node.attainment)}`"
        lines = [head]
        if node.unsupported:
            lines.append(f"{indent}    {i18n.t('goals_unsupported', locale)}")
        for owner, progress in node.lines[:8]:
            lines.append(f"{indent}    {escape(owner)}: {kpi_line(progress)}")
        hidden = node.kpi_count - len(node.lines[:8])
        if hidden > 0:
            lines.append(f"{indent}    _{i18n.t('goals_more', locale, n=hidden)}_")
        blocks.append(SectionBlock(text=clip("\n".join(lines), SECTION_TEXT)))
    if tree.orphan_count:
        text = i18n.t("goals_orphans", locale, n=tree.orphan_count)
        details = "\n".join(f"    {escape(owner)}: {kpi_line(p)}" for owner, p in tree.orphans[:10])
        blocks.append(SectionBlock(text=clip(text + ("\n" + details if details else ""), SECTION_TEXT)))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text="`/kpi goals`")]))
    return blocks[:MESSAGE_BLOCKS]

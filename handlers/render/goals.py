"""Block Kit for the goal pyramid."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot import i18n
from bot.goals import GoalTree
from bot.names import local_name
from handlers.render.escape import clip, escape
from handlers.render.team import MESSAGE_BLOCKS, SECTION_TEXT, bar, kpi_line


def goals_blocks(tree: GoalTree, locale: str) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=i18n.t("goals_title", locale))]
    if not tree.nodes:
        return [*blocks, SectionBlock(text=i18n.t("goals_none", locale))]
    for node in tree.nodes[: MESSAGE_BLOCKS - 4]:
        indent = "    " * node.depth
        head = f"{indent}*{escape(local_name(node.title, node.names, locale))}* _({i18n.t(f'level_{node.level}', locale)})_ `{bar(node.attainment)}`"
        lines = [head]
        if node.unsupported:
            lines.append(f"{indent}    {i18n.t('goals_unsupported', locale)}")
        for owner, progress in node.lines[:8]:
            lines.append(f"{indent}    {escape(owner)}: {kpi_line(progress, locale)}")
        hidden = node.kpi_count - len(node.lines[:8])
        if hidden > 0:
            lines.append(f"{indent}    _{i18n.t('goals_more', locale, n=hidden)}_")
        blocks.append(SectionBlock(text=clip("\n".join(lines), SECTION_TEXT)))
    if tree.orphan_count:
        text = i18n.t("goals_orphans", locale, n=tree.orphan_count)
        details = "\n".join(f"    {escape(owner)}: {kpi_line(p, locale)}" for owner, p in tree.orphans[:10])
        blocks.append(SectionBlock(text=clip(text + ("\n" + details if details else ""), SECTION_TEXT)))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text="`/kpi goals`")]))
    return blocks[:MESSAGE_BLOCKS]

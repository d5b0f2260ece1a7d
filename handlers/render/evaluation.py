"""Block Kit for reviewing an evaluation draft: the Adjust and Release buttons, the Adjust modal and its answer.

The buttons sit under each draft in the manager's (or admin's) drafts message;
the slash commands (`/kpi eval adjust`, `/kpi eval release`) do the same.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, ConfirmObject, SectionBlock
from slack_sdk.models.views import View

from bot import i18n
from bot.evaluation_review import DraftRow
from bot.formats import format_share
from handlers.render.escape import clip, escape
from handlers.render.inputs import text_input

ADJUST_ACTION, RELEASE_ACTION = "eval_adjust", "eval_release"
ADJUST_VIEW = "eval_adjust"
SCORE_BLOCK, REASON_BLOCK = "score", "reason"


def draft_actions(row: DraftRow, locale: str) -> ActionsBlock:
    """Adjust (opens the modal) and Release (asks first: a released evaluation never changes)."""
    value = str(row.evaluation_id)
    confirm = ConfirmObject(
        title=clip(i18n.t("eval_release_confirm_title", locale), 100),
        text=clip(i18n.t("eval_release_confirm", locale, name=escape(row.name), period=row.period), 300),
        confirm=i18n.t("eval_release_button", locale),
        deny=i18n.t("eval_cancel", locale),
    )
    return ActionsBlock(
        block_id=f"eval_draft_{value}",
        elements=[
            ButtonElement(text=i18n.t("eval_adjust_button", locale), action_id=ADJUST_ACTION, value=value),
            ButtonElement(
                text=i18n.t("eval_release_button", locale),
                action_id=RELEASE_ACTION,
                value=value,
                style="primary",
                confirm=confirm,
            ),
        ],
    )


def released_in_place(blocks: list[dict[str, Any]], evaluation_id: int, locale: str) -> list[dict[str, Any]] | None:
    """The drafts message again with this draft marked released and its buttons gone, so the manager's
    message shows what is left to review; None when the draft is not on it."""
    result: list[dict[str, Any]] = []
    found = False
    for block in blocks:
        if block.get("block_id") == f"eval_draft_{evaluation_id}":
            found = True
            above = result[-1] if result else {}
            if above.get("type") == "section" and isinstance(above.get("text"), dict):
                mark = i18n.t("eval_released_mark", locale)
                result[-1] = {**above, "text": {**above["text"], "text": clip(f"{above['text']['text']}\n{mark}", 3000)}}
            continue
        result.append(block)
    return result if found else None


def adjust_modal(
    metadata: str,
    *,
    name: str,
    period: str,
    computed: float | None,
    adjusted: float | None,
    reason: str,
    locale: str,
) -> View:
    """The score (0-120%) and the required reason; what is wrong comes back beside the field."""
    intro = i18n.t("eval_modal_intro", locale, name=escape(name), period=period, computed=format_share(computed, locale))
    blocks: list[Block] = [
        SectionBlock(text=clip(intro, 3000)),
        text_input(
            SCORE_BLOCK,
            i18n.t("eval_modal_score", locale),
            max_length=10,
            initial=format_share(adjusted, "en-US") if adjusted is not None else None,
            hint=i18n.t("eval_modal_score_hint", locale),
        ),
        text_input(
            REASON_BLOCK,
            i18n.t("eval_modal_reason", locale),
            max_length=1000,
            initial=reason or None,
            multiline=True,
            hint=i18n.t("eval_modal_reason_hint", locale),
        ),
    ]
    return View(
        type="modal",
        callback_id=ADJUST_VIEW,
        private_metadata=metadata,
        title=clip(i18n.t("eval_modal_title", locale), 24),
        submit=clip(i18n.t("eval_modal_save", locale), 24),
        close=clip(i18n.t("eval_cancel", locale), 24),
        blocks=blocks,
    )


def adjusted_view(text: str, locale: str) -> View:
    """What the modal turns into once the score is stored: the same answer as the slash command's."""
    return View(
        type="modal",
        callback_id="eval_adjusted",
        title=clip(i18n.t("eval_modal_title", locale), 24),
        close=clip(i18n.t("eval_modal_done", locale), 24),
        blocks=[SectionBlock(text=clip(text, 3000))],
    )

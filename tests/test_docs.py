"""The documentation stays true: every key the organisation file loader accepts, every setting, every command
and /kpi subcommand is documented; every `kpibot` command's --help has an example; app.yaml's usage hint lists
every subcommand; links point to files in the repository.
"""

from __future__ import annotations

import argparse
import re
import typing
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from bot.cli import build_parser
from bot.config import Settings
from bot.orgfile import OrgSpec
from handlers.kpi import SUBCOMMANDS

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
ORG_DOC = (DOCS / "organisation-file.md").read_text()


def models(model: type[BaseModel], path: str) -> list[tuple[str, type[BaseModel]]]:
    """Every model the loader reads, with its place in the file: ("teams[]", TeamSpec), ("teams[].checkin", ...)."""
    found = [(path, model)]
    for name, info in model.model_fields.items():
        annotation = info.annotation
        many = typing.get_origin(annotation) is list
        inner = typing.get_args(annotation)[0] if many else annotation
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            found += models(inner, f"{path}.{name}{'[]' if many else ''}".lstrip("."))
    return found


def section(path: str) -> str:
    """The doc's section for a place in the file: from its `## ` heading to the next."""
    heading = "Top level" if path == "" else f"`{path}`"
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", ORG_DOC, re.M | re.S)
    assert match, f"docs/organisation-file.md has no section '## {heading}'"
    return match.group(1)


@pytest.mark.parametrize(("path", "model"), models(OrgSpec, ""), ids=lambda x: x if isinstance(x, str) else "")
def test_every_key_the_loader_accepts_is_documented(path: str, model: type[BaseModel]) -> None:
    text = section(path)
    for name in model.model_fields:
        assert re.search(rf"^\| `{name}` \|", text, re.M), f"'{name}' ({path or 'top level'}) is not in docs/organisation-file.md"


def test_the_organisation_file_example_loads() -> None:
    from bot.orgfile import parse_org, teamless_people

    example = re.search(r"```yaml\n(.*?)```", ORG_DOC, re.S)
    assert example
    spec, _ = parse_org(example.group(1))
    assert spec.teams and spec.people and spec.kpis
    # the example shows where managers go: every manager is some team's member, so no one with KPIs is left out
    members = {m for team in spec.teams for m in team.members}
    assert {team.manager for team in spec.teams} <= members
    assert teamless_people(spec) == []


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text()
    for name in Settings.model_fields:
        assert f"`{name.upper()}`" in text, f"{name.upper()} is not in docs/settings.md"


def commands(parser: argparse.ArgumentParser, prefix: str = "kpibot") -> list[tuple[str, argparse.ArgumentParser]]:
    """Every command and subcommand with its parser: kpibot, kpibot db, kpibot db upgrade, ..."""
    found = [(prefix, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += commands(sub, f"{prefix} {name}")
    return found


@pytest.mark.parametrize(("command", "parser"), commands(build_parser()), ids=lambda x: x if isinstance(x, str) else "")
def test_every_command_has_help_with_an_example(command: str, parser: argparse.ArgumentParser) -> None:
    assert "Example:" in parser.format_help() and "kpibot" in parser.format_help().partition("Example:")[2], (
        f"`{command} --help` has no example"
    )


def test_every_command_is_documented() -> None:
    text = (DOCS / "commands.md").read_text()
    for command, parser in commands(build_parser())[1:]:
        has_subcommands = any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)
        if not has_subcommands:
            assert f"`{command}`" in text, f"`{command}` is not in docs/commands.md"


def test_every_slack_subcommand_is_in_the_usage_hint_the_help_and_the_docs() -> None:
    from bot import i18n

    manifest = yaml.safe_load((ROOT / "app.yaml").read_text())
    hint = next(c for c in manifest["features"]["slash_commands"] if c["command"] == "/kpi")["usage_hint"]
    for sub in SUBCOMMANDS:
        assert re.search(rf"(^|\| ){re.escape(sub)}\b", hint), f"app.yaml's /kpi usage_hint does not list {sub}"
    docs = (DOCS / "commands.md").read_text()
    for locale in ("en", "zh"):
        help_text = i18n.t("help", locale)
        for sub in SUBCOMMANDS:
            assert f"`/kpi {sub}" in help_text, f"/kpi help ({locale}) does not list {sub}"
    for sub in SUBCOMMANDS:
        assert f"`/kpi {sub}" in docs, f"/kpi {sub} is not in docs/commands.md"


def links(path: Path) -> list[str]:
    return [
        t for t in re.findall(r"\]\(([^)\s]+)\)", path.read_text()) if not t.startswith(("http://", "https://", "#", "mailto:"))
    ]


@pytest.mark.parametrize("doc", [ROOT / "README.md", *sorted(DOCS.glob("*.md"))], ids=lambda p: p.name)
def test_links_point_to_files_in_the_repository(doc: Path) -> None:
    for target in links(doc):
        assert (doc.parent / target.split("#")[0]).exists(), f"{doc.name} links to {target}, which does not exist"
    assert "DESIGN.md" not in doc.read_text(), f"{doc.name} points outside the repository (DESIGN.md)"


def test_the_readme_links_every_doc() -> None:
    readme = (ROOT / "README.md").read_text()
    for doc in DOCS.glob("*.md"):
        if doc.name != "README.md":
            assert f"docs/{doc.name}" in readme, f"README.md does not link docs/{doc.name}"

"""The `kpibot` console command: help with examples, clear start-up errors, parse output, docs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import EPILOG, build_parser, main
from bot.config import Settings

ROOT = Path(__file__).parent.parent


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        cwd=ROOT,
        timeout=60,
    )


@pytest.mark.parametrize("command", ["demo", "serve", "db", "parse", "org", "values", "source", "report"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0
    assert "Example:" in result.stdout
    assert command in EPILOG


def test_serve_without_tokens_says_what_is_missing(tmp_path: Path) -> None:
    result = run("serve", env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_with_a_malformed_token_never_echoes_it(tmp_path: Path) -> None:
    result = run(
        "serve",
        env={
            "SLACK_BOT_TOKEN": "xoxp-user-token-1234567890",
            "SLACK_SIGNING_SECRET": "short",
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        },
    )
    assert result.returncode == 2
    assert "this is a user token (xoxp-), and kpibot needs a bot token (xoxb-...)" in result.stderr
    assert "SIGNING_SECRET looks malformed" in result.stderr
    assert "xoxp-user-token-1234567890" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("token", "says"),
    [
        ("xoxb-123", "it is too short (8 characters; a real one has 50 or more), so it looks cut off"),
        ('"xoxb-1234567890-0987654321-AbCdEf"', "it is wrapped in quotes; set it without them (xoxb-...)"),
        ("xoxb-1234567890 0987654321", "it contains a space or line break"),
        ("xoxb-1234567890/0987654321", "it contains characters a Slack token never has"),
        ("xapp-1-A0123-4567890-abcdef", "this is an app-level token (xapp-), and kpibot needs a bot token (xoxb-...)"),
        ("abc123456789012345", "it must start with xoxb- (the Bot User OAuth Token from OAuth & Permissions)"),
    ],
)
def test_serve_says_what_is_wrong_with_the_bot_token(tmp_path: Path, token: str, says: str) -> None:
    """A token that starts with xoxb- is never told it must start with xoxb- (a new user's xoxb-123 was)."""
    secret = "0123456789abcdef0123456789abcdef"
    env = {"SLACK_BOT_TOKEN": token, "SLACK_SIGNING_SECRET": secret, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    result = run("serve", env=env)
    assert result.returncode == 2
    assert f"SLACK_BOT_TOKEN does not look like a bot token: {says}" in result.stderr
    if token.strip('"').startswith("xoxb-"):
        assert "must start with" not in result.stderr
    assert token.strip('"') not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_serve_says_what_is_wrong_with_the_app_token(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx", "SLACK_APP_TOKEN": "xapp-1-A1"}
    result = run("serve", env={**env, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert result.returncode == 2
    assert "SLACK_APP_TOKEN does not look like an app-level token: it is too short (9 characters" in result.stderr
    assert "SLACK_BOT_TOKEN" not in result.stderr and "xapp-1-A1" not in result.stderr


def test_parse_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "parse",
                "--kpi",
                "Revenue:CNY",
                "--kpi",
                "Complaint rate:percent:lower",
                "--now",
                "2026-11-30T10:00",
                "--tz",
                "Asia/Shanghai",
                "销售额4.5万，投诉率0.8%，卡在审批，等到下周三",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["values"] == {"Revenue": 45000.0, "Complaint rate": 0.8}
    assert out["blockers"][0]["category"] == "process" and out["blockers"][0]["date"] == "2026-12-09"
    assert out["questions"] == []


def test_parse_rejects_a_bad_kpi_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", "--kpi", "Revenue", "45k"]) == 2
    assert "NAME:UNIT" in capsys.readouterr().err


def test_db_upgrade(tmp_path: Path) -> None:
    result = run("db", "upgrade", env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert result.returncode == 0 and "database at head" in result.stdout


def test_readme_documents_every_setting_and_command() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in Settings.model_fields:
        assert name.upper() in readme, f"{name.upper()} is not documented in README.md"
    for command in build_parser()._subparsers._group_actions[0].choices:  # type: ignore[union-attr]
        assert f"kpibot {command}" in readme


def test_serve_answers_signed_requests_over_http(tmp_path: Path) -> None:
    """The real `kpibot serve` process behind waitress, pointed at the stand-in."""
    import socket
    import time

    from kpibot_dev.driver import SignedSender
    from kpibot_dev.standin import SlackStandIn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with SlackStandIn() as slack:
        secret = "a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_SIGNING_SECRET": secret,
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": f"sqlite:///{tmp_path}/serve.db",
            "PORT": str(port),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            sender = SignedSender(f"http://127.0.0.1:{port}/slack/events", secret)
            deadline = time.monotonic() + 30
            status, body = 0, b""
            while time.monotonic() < deadline:
                try:
                    status, body = sender.event({"type": "url_verification", "token": "x", "challenge": "abc123"})
                    break
                except OSError:
                    time.sleep(0.2)
            assert status == 200 and json.loads(body)["challenge"] == "abc123"
            assert sender.event({"type": "url_verification", "challenge": "x"}, sign=False)[0] == 401
            # the same server takes source systems' pushes: an unknown source or wrong secret is refused
            import urllib.error
            import urllib.request

            push = urllib.request.Request(
                f"http://127.0.0.1:{port}/sources/CRM/values",
                data=b'{"values": []}',
                headers={"Authorization": "Bearer wrong", "Content-Type": "application/json"},
                method="POST",
            )
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(push, timeout=10)
            assert refused.value.code == 401 and b"wrong secret" in refused.value.read()
            assert slack.calls_to("auth.test")  # it checked the token at start-up
        finally:
            process.terminate()
            output = process.communicate(timeout=20)[0]
    assert slack.token not in output  # tokens never reach the logs

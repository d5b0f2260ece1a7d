"""The HTML report in a real headless browser: nothing missing, no script errors, offline, prints to PDF.

Needs Chromium (Debian package `chromium`; `./dev test` installs it when run as root). Without it the test
is skipped, saying so.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.cli import main
from tests.test_reports import PERIOD, history  # noqa: F401  (the fixture)

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Runs before anything of the page: records script errors, then after load which images decoded and what was fetched.
PROBE = """<script>
window.__errors = [];
window.addEventListener("error", e => window.__errors.push(String(e.message || e.target && e.target.src || e)), true);
window.addEventListener("load", () => {
  const images = [...document.images].map(i => ({ok: i.complete && i.naturalWidth > 0, alt: i.alt}));
  const fetched = performance.getEntriesByType("resource").map(r => r.name);
  document.documentElement.setAttribute("data-probe", JSON.stringify({errors: window.__errors, images, fetched}));
});
</script>"""


def browser() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no Chromium found: install the Debian package 'chromium' (./dev test does it when run as root)")


def run_browser(binary: str, *args: str, timeout: int = 60) -> subprocess.CompletedProcess[str]:
    offline = "--host-resolver-rules=MAP * ~NOTFOUND"  # any attempt to reach the network fails
    return subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", offline, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_html_report_renders_offline_and_prints_to_pdf(
    history: Engine,  # noqa: F811
    db_url: str,
    tmp_path: Path,
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the browser check needs the report once; it runs on the SQLite copy")
    binary = browser()
    report = tmp_path / "report.html"
    assert main(["report", "org", "--period", PERIOD, "--format", "html", "--output", str(report)]) == 0
    page = report.read_text()
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("<head>", "<head>" + PROBE, 1))
    result = run_browser(binary, "--virtual-time-budget=5000", "--dump-dom", probed.as_uri())
    match = re.search(r'data-probe="([^"]*)"', result.stdout)
    assert match, f"the page did not finish loading: {result.stderr[-2000:]}"
    probe = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert probe["errors"] == []
    assert probe["images"] and all(i["ok"] for i in probe["images"]), probe["images"]
    assert probe["fetched"] == []  # everything is in the file
    assert "Sales East" in result.stdout and "waiting on &lt;legal&gt; &amp; procurement" in result.stdout
    pdf = tmp_path / "report.pdf"
    result = run_browser(binary, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", report.as_uri())
    assert pdf.exists(), result.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 20_000  # the text and the embedded chart
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 1

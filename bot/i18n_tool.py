"""Catalog upkeep with Babel: ``./dev i18n [extract|update|compile|check|convert]``.

- ``extract``: every message id the code names literally (``t("id", ...)``,
  ``tn("id", n, ...)``, ``N_("id")``) into ``bot/locale/kpibot.pot``.
- ``update``: adds ids the code uses but a catalog lacks, untranslated, so
  ``check`` (and the test suite) points at them. It never drops an entry:
  ids built at run time are not all literal in code, and symbolic ids must
  not be "fuzzy matched" to a neighbour.
- ``compile``: the ``.mo`` files (generated, not committed).
- ``check``: what the test suite checks; exits 1 on any problem.
- ``convert``: moves texts still registered with ``i18n.register({...})``
  into both catalogs and deletes the call.

With no argument: convert, extract, update, compile, check.
The catalogs are written sorted by id and unwrapped, so parallel additions
touch different lines and diffs stay readable.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.catalogs import DOMAIN, HOLIDAY_LANGUAGES, HOLIDAYS_DOMAIN, LANGUAGES, LOCALE_DIR, mo_path, po_path
from bot.i18n import PLURAL_SUFFIX

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("bot", "handlers", "storage", "kpibot_dev")
KEYWORDS: dict[str, None] = {"t": None, "tn": None, "N_": None}
PLACEHOLDER = re.compile(r"(?<!\{)\{(\w+)[^{}]*\}")


@dataclass(frozen=True)
class Use:
    key: str
    where: str


def _literal_keys(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):  # t("a" if x else "b", ...)
        return _literal_keys(node.body) + _literal_keys(node.orelse)
    return []


def extract_python_ids(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str], options: Mapping[str, Any]
) -> Iterator[tuple[int, str, str, list[str]]]:
    """A Babel extraction method that reads the syntax tree.

    Babel's own Python extractor joins the two ids of ``t("a" if x else "b")``
    into one; ours yields both and ignores ids built at run time.
    """
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name in keywords:
            for key in _literal_keys(node.args[0]):
                yield node.lineno, name, key, []


def extract(root: Path = ROOT) -> list[Use]:
    """Every literal message id in the code, with where it is used."""
    uses = []
    for folder in SOURCE_DIRS:
        found = extract_from_dir(
            root / folder,
            method_map=[("**.py", "bot.i18n_tool:extract_python_ids")],
            keywords=KEYWORDS,
            comment_tags=(),
            strip_comment_tags=True,
        )
        for filename, lineno, message, _comments, _context in found:
            key = message if isinstance(message, str) else message[0]
            if key:
                uses.append(Use(key, f"{folder}/{filename}:{lineno}"))
    return uses


def load(lang: str, locale_dir: Path = LOCALE_DIR, domain: str = DOMAIN) -> Catalog:
    with po_path(lang, locale_dir, domain).open("rb") as fp:
        return read_po(fp, locale=lang, domain=domain)


def save(catalog: Catalog, path: Path) -> None:
    catalog.fuzzy = False
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fp:
        write_po(fp, catalog, width=0, sort_output=True, omit_header=False, ignore_obsolete=True, include_lineno=False)


def new_catalog(lang: str) -> Catalog:
    return Catalog(locale=lang, domain=DOMAIN, project="kpibot", version="1", fuzzy=False)


def write_template(uses: list[Use]) -> Path:
    template = Catalog(domain=DOMAIN, project="kpibot", version="1", fuzzy=False)
    for use in uses:
        template.add(use.key)
    path = LOCALE_DIR / f"{DOMAIN}.pot"
    save(template, path)
    return path


def update(uses: list[Use]) -> list[str]:
    """Adds missing ids to each catalog (untranslated); returns what it added."""
    added = []
    for lang in LANGUAGES:
        catalog = load(lang)
        for key in sorted({u.key for u in uses}):
            if key not in catalog:
                catalog.add(key, "")
                added.append(f"{lang}: {key}")
        save(catalog, po_path(lang))
    return added


def compile_all() -> None:
    for domain, languages in ((DOMAIN, LANGUAGES), (HOLIDAYS_DOMAIN, HOLIDAY_LANGUAGES)):
        for lang in languages:
            with mo_path(lang, domain=domain).open("wb") as fp:
                write_mo(fp, load(lang, domain=domain))


def placeholders(message: Message) -> set[str]:
    forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return {name for form in forms for name in PLACEHOLDER.findall(form or "")} - {"n"}


def _untranslated(message: Message) -> bool:
    forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return not forms or any(not form for form in forms)


def check(uses: Iterable[Use] | None = None, root: Path = ROOT, locale_dir: Path = LOCALE_DIR) -> list[str]:
    """Every problem that would show a reader a raw id, a half translation or a wrong plural."""
    problems = []
    catalogs = {lang: load(lang, locale_dir) for lang in LANGUAGES}
    for lang, catalog in catalogs.items():
        for message in catalog:
            if not message.id:
                continue
            key = message.id if isinstance(message.id, str) else message.id[0]
            if message.fuzzy:
                problems.append(f"{lang}: {key!r} is marked fuzzy: review it and remove the flag")
            if _untranslated(message):
                problems.append(f"{lang}: {key!r} has no text")
            if message.pluralizable and message.id[1] != key + PLURAL_SUFFIX:
                problems.append(f"{lang}: plural {key!r} needs msgid_plural {key + PLURAL_SUFFIX!r}")
    en, zh = catalogs["en"], catalogs["zh"]
    en_keys = {m.id if isinstance(m.id, str) else m.id[0] for m in en if m.id}
    zh_keys = {m.id if isinstance(m.id, str) else m.id[0] for m in zh if m.id}
    problems += [f"zh: {k!r} is missing (it is in en)" for k in sorted(en_keys - zh_keys)]
    problems += [f"en: {k!r} is missing (it is in zh)" for k in sorted(zh_keys - en_keys)]
    for message in en:
        if not message.id or (other := zh.get(message.id)) is None:
            continue
        extra, missing = placeholders(other) - placeholders(message), placeholders(message) - placeholders(other)
        if extra:
            problems.append(f"zh: {message.id!r} uses {sorted(extra)}, which the code does not pass")
        # English grammar words ({it}, {s}) may have no place in Chinese: say so in a comment "omits {it}".
        if missing - {name for name in missing if any(f"omits {{{name}}}" in c for c in other.user_comments)}:
            problems.append(f"zh: {message.id!r} leaves out {sorted(missing)} (if meant, add the comment: omits {{name}})")
    for use in extract(root) if uses is None else uses:
        if use.key not in en_keys:
            problems.append(f"{use.where}: {use.key!r} is not in the catalogs (run ./dev i18n, then fill in the texts)")
    for path, lineno in registered_calls(root):
        problems.append(f"{path}:{lineno}: texts registered in a dict: run ./dev i18n convert")
    return problems + check_holiday_names(locale_dir)


def check_holiday_names(locale_dir: Path = LOCALE_DIR) -> list[str]:
    """The holiday-name vocabulary (bot.holiday_names): every name translated, not fuzzy, and each
    label ("%s (observed)") keeps its one ``%s``. Which names it must hold is tested against the
    package itself (tests/test_holiday_names.py): that list changes with the package, not our code."""
    problems = []
    for lang in HOLIDAY_LANGUAGES:
        if not po_path(lang, locale_dir, HOLIDAYS_DOMAIN).exists():
            continue  # a copy of the catalogs made for a test of the code texts
        for message in load(lang, locale_dir, HOLIDAYS_DOMAIN):
            if not message.id:
                continue
            where = f"{HOLIDAYS_DOMAIN}.po ({lang}): {message.id!r}"
            if message.fuzzy:
                problems.append(f"{where} is marked fuzzy: review it and remove the flag")
            if _untranslated(message):
                problems.append(f"{where} has no text")
            elif str(message.id).count("%s") != str(message.string).count("%s"):
                problems.append(f"{where} must keep its %s as many times as the id has it")
    return problems


def _register_calls(tree: ast.AST) -> list[ast.Call]:
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Dict):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == "register":
                calls.append(node)
    return calls


def _sources(root: Path) -> list[Path]:
    return sorted(p for folder in SOURCE_DIRS for p in (root / folder).rglob("*.py") if p.name != "i18n.py")


def registered_calls(root: Path = ROOT) -> list[tuple[str, int]]:
    return [
        (str(path.relative_to(root)), call.lineno)
        for path in _sources(root)
        for call in _register_calls(ast.parse(path.read_text()))
    ]


def convert(root: Path = ROOT, locale_dir: Path = LOCALE_DIR) -> list[str]:
    """Moves every ``i18n.register({...})`` dict into the catalogs and deletes the call."""
    catalogs = {lang: load(lang, locale_dir) for lang in LANGUAGES}
    moved, touched = [], []
    for path in _sources(root):
        source = path.read_text()
        calls = _register_calls(ast.parse(source))
        if not calls:
            continue
        lines = source.splitlines(keepends=True)
        for call in sorted(calls, key=lambda c: c.lineno, reverse=True):
            texts = ast.literal_eval(call.args[0])
            for key, value in texts.items():
                # A dict that comes back in a merge carries someone's newer wording: it wins.
                for lang in LANGUAGES:
                    existing = catalogs[lang].get(key)
                    if existing is not None and existing.string != value[lang]:
                        print(f"convert: {key!r} ({lang}) changed to the wording in {path.relative_to(root)}")
                    catalogs[lang].delete(key)
                    catalogs[lang].add(key, value[lang], user_comments=existing.user_comments if existing else ())
                moved.append(key)
            assert call.end_lineno is not None
            del lines[call.lineno - 1 : call.end_lineno]
        path.write_text("".join(lines))
        touched.append(str(path))
    for lang, catalog in catalogs.items():
        save(catalog, po_path(lang, locale_dir))
    if touched:
        bin_dir = Path(sys.executable).parent
        subprocess.run([str(bin_dir / "ruff"), "check", "--fix", "--select", "F401,I", "--quiet", *touched], check=False)
        subprocess.run([str(bin_dir / "ruff"), "format", "--quiet", *touched], check=False)
    return moved


def main(argv: list[str] | None = None) -> int:
    steps = (argv if argv is not None else sys.argv[1:]) or ["convert", "extract", "update", "compile", "check"]
    uses: list[Use] = []
    for step in steps:
        if step == "convert":
            moved = convert()
            print(f"convert: moved {len(moved)} texts into the catalogs")
        elif step == "extract":
            uses = extract()
            print(f"extract: {len({u.key for u in uses})} message ids -> {write_template(uses).relative_to(ROOT)}")
        elif step == "update":
            added = update(uses or extract())
            print(f"update: {len(added)} new untranslated entries" + "".join(f"\n  {a}" for a in added))
        elif step == "compile":
            compile_all()
            compiled = [mo_path(lang) for lang in LANGUAGES] + [
                mo_path(lang, domain=HOLIDAYS_DOMAIN) for lang in HOLIDAY_LANGUAGES
            ]
            print("compile: " + ", ".join(str(path.relative_to(ROOT)) for path in compiled))
        elif step == "check":
            problems = check(uses or None)
            print("\n".join(problems) or "check: every text is in both catalogs, translated")
            if problems:
                return 1
        else:
            print(f"unknown step {step!r}: extract | update | compile | check | convert", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

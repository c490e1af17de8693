"""Every user-facing string has its English translation (the source strings are
Chinese; the English catalogue is locale/en). Extracted here with Python's ast and
the template syntax, so that the check needs no GNU gettext."""

import ast
import re
from pathlib import Path

import polib
from django.conf import settings

from core.management.commands.kefu_compilemessages import catalogue_paths

ROOT = Path(settings.BASE_DIR)
SKIP_PARTS = {
    ".venv",
    ".venv-tools",
    "node_modules",
    "build",
    "staticfiles",
    "migrations",
    "tests",
    "bench",
    "var",
}
GETTEXT_NAMES = {
    "_",
    "gettext",
    "gettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "gettext_noop",
}
TRANSLATE_TAG = re.compile(r"""{%\s*(?:translate|trans)\s+(["'])(.*?)\1""")
BLOCK_TAG = re.compile(
    r"{%\s*blocktrans(?:late)?(?P<args>[^%]*)%}(?P<body>.*?)"
    r"{%\s*endblocktrans(?:late)?\s*%}",
    re.S,
)
VARIABLE = re.compile(r"{{\s*(\w+)\s*}}")


def _project_files(pattern: str):
    for top in ROOT.iterdir():
        if top.is_dir() and top.name not in SKIP_PARTS and not top.name.startswith("."):
            for path in top.rglob(pattern):
                if not SKIP_PARTS & set(path.relative_to(ROOT).parts):
                    yield path


def _python_msgids() -> set[str]:
    found = set()
    for path in _project_files("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = getattr(node, "func", None) and getattr(node.func, "id", None)
            if not isinstance(node, ast.Call) or name not in GETTEXT_NAMES:
                continue
            # pgettext(context, message): the message is the second argument.
            args = node.args[1:] if name.startswith("pgettext") else node.args
            if (
                args
                and isinstance(args[0], ast.Constant)
                and isinstance(args[0].value, str)
            ):
                found.add(args[0].value)
    return found


def _template_msgids() -> set[str]:
    found = set()
    for path in _project_files("*.html"):
        text = path.read_text(encoding="utf-8")
        found.update(match.group(2) for match in TRANSLATE_TAG.finditer(text))
        for match in BLOCK_TAG.finditer(text):
            body = re.split(r"{%\s*plural\s*%}", match.group("body"))[0]
            if "trimmed" in match.group("args"):
                body = " ".join(line.strip() for line in body.strip().splitlines())
            found.add(VARIABLE.sub(r"%(\1)s", body))
    return found


def _entries() -> list[polib.POEntry]:
    return [
        entry
        for path in catalogue_paths()
        if "/en/" in str(path)
        for entry in polib.pofile(str(path))
        if not entry.obsolete
    ]


def test_every_source_string_has_an_english_translation():
    catalogue = {e.msgid: e for e in _entries()}
    needed = _python_msgids() | _template_msgids()
    missing = sorted(m for m in needed if m not in catalogue)
    assert not missing, f"run `make messages` and translate: {missing}"
    untranslated = sorted(
        m
        for m in needed
        if not (
            catalogue[m].msgstr
            or (catalogue[m].msgstr_plural and all(catalogue[m].msgstr_plural.values()))
        )
    )
    assert not untranslated, f"untranslated in locale/en: {untranslated}"


def test_the_english_catalogue_has_no_fuzzy_entries():
    assert not [e.msgid for e in _entries() if "fuzzy" in e.flags]


def test_the_extraction_finds_strings_of_both_kinds():
    """Guards the check above against silently extracting nothing."""
    assert "用户名或密码不正确。" in _python_msgids()
    assert "登录您的账户" in _template_msgids()
    assert "您好，%(name)s。" in _template_msgids()

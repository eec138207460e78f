"""The documentation: a short README, links that lead somewhere, every command documented, and
nothing that points outside the repository.

The site itself is built by `make docs` (`mkdocs build --strict`), which also checks every
link's anchor; these checks need no build and run in a second.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
PAGES = sorted(DOCS.rglob("*.md"))

#: Directories that are not the project's own text (built, installed or generated).
_SKIP_DIRS = {".git", ".venv", "site", "results", "__pycache__", ".pytest_cache", ".hypothesis",
              "node_modules"}

_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
_CODE = re.compile(r"(`+)(?:.+?)\1", re.S)
_INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.M)
_HTML_LINK = re.compile(r"""<(?:a|img)\b[^>]*?\b(?:href|src)\s*=\s*["']([^"']+)["']""", re.I)
#: An absolute path on some machine: a Unix home, temp or system folder, or a Windows drive.
_MACHINE_PATH = re.compile(r"(?<![\w.:/~-])(?:/(?:work|tmp|home|root|Users|mnt|opt|var|srv|"
                           r"private|scratch|data)/|~/|[A-Za-z]:\\)")
_UP_PATH = re.compile(r"(?<![\w/.])((?:\.\./)+[\w.<>*-][\w./<>*-]*)")


def _text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _prose(text: str) -> str:
    """The text without fenced code blocks and inline code: what Markdown reads as links."""
    return _CODE.sub("", _FENCE.sub("", text))


def _links(text: str) -> list[str]:
    prose = _prose(text)
    return (_INLINE_LINK.findall(prose) + _REF_LINK.findall(prose)
            + _HTML_LINK.findall(prose))


def _is_external(target: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target)) or target.startswith("//")


def _documents() -> list[Path]:
    return [README, *PAGES]


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@functools.cache
def _folders() -> tuple[Path, ...]:
    """Every folder of the repository's own files."""
    out = []
    for here, dirs, _ in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS and not d.endswith(".egg-info")]
        out.append(Path(here))
    return tuple(out)


def test_the_readme_is_short():
    lines = _text_of(README).splitlines()
    assert len(lines) < 200, f"README.md has {len(lines)} lines; move detail into docs/"


def test_the_docs_exist():
    """The site's pages are where the README says they are."""
    for page in ("index.md", "guides/run.md", "guides/stress.md", "guides/report.md",
                 "guides/strategy.md", "guides/cluster.md", "guides/calibrate.md",
                 "guides/backtest.md", "guides/configuration.md", "models/budget.md",
                 "models/generator.md", "models/portfolios.md", "models/information.md",
                 "architecture.md", "domain.md", "reference/variables.md",
                 "reference/config.md", "reference/api.md"):
        assert (DOCS / page).is_file(), page


@pytest.mark.parametrize("doc", _documents(), ids=_rel)
def test_every_relative_link_leads_to_a_file(doc):
    """A relative link names a file that exists, inside the repository (README) or inside
    docs/ (a page of the site, which cannot reach outside it)."""
    home = ROOT if doc == README else DOCS
    bad = []
    for target in _links(_text_of(doc)):
        if _is_external(target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0].split("?", 1)[0]
        if not path:
            continue
        if path.startswith("/"):
            bad.append(f"{target}: an absolute link; write it relative to the page")
            continue
        resolved = (doc.parent / path).resolve()
        if not resolved.is_relative_to(home):
            bad.append(f"{target}: leads outside {_rel(home) if home != ROOT else 'the repository'}")
        elif not resolved.exists():
            bad.append(f"{target}: no such file")
    assert not bad, f"{_rel(doc)}:\n  " + "\n  ".join(bad)


def _commands() -> list[str]:
    """Every command `sim --help` lists, with the subcommands of a group (`sim calibrate esg`)."""
    def listed(args: list[str]) -> list[str]:
        res = CliRunner().invoke(cli, [*args, "--help"])
        assert res.exit_code == 0, res.output
        body = res.output.split("Commands:", 1)
        if len(body) == 1:
            return []
        return [m.group(1) for m in re.finditer(r"^  ([a-z][\w-]*)", body[1], re.M)]

    out = []
    for name in listed([]):
        subs = listed([name])
        out += [f"sim {name} {sub}" for sub in subs] if subs else [f"sim {name}"]
    return out


def test_the_help_lists_the_commands():
    """The help text is read right: it lists every command the CLI registers."""
    names = {c.split()[1] for c in _commands()}
    assert names == set(cli.commands), (names, set(cli.commands))


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_documented(command):
    text = "\n".join(_text_of(p) for p in PAGES)
    assert re.search(rf"(?<![\w-]){re.escape(command)}(?![\w-])", text), \
        f"`{command}` is not mentioned in any page of docs/"


@pytest.mark.parametrize("doc", _documents(), ids=_rel)
def test_no_path_outside_the_repository(doc):
    """No absolute path of some machine, and every `../` path names something in the
    repository (a config's `../models/x.toml` does, from configs/plans/)."""
    text = _text_of(doc)
    machine = sorted({m.group(0) for m in _MACHINE_PATH.finditer(text)})
    assert not machine, f"{_rel(doc)} names a path on some machine: {machine}"
    bad = []
    for token in sorted(set(_UP_PATH.findall(text))):
        path = token.rstrip(".,;:)")
        if any(ch in path for ch in "<>*"):
            # a pattern (`../information/<file>.toml`): its folder must exist
            path = path[:path.index(next(ch for ch in path if ch in "<>*"))].rsplit("/", 1)[0]
        inside = [f for f in _folders() if (f / path).resolve().is_relative_to(ROOT)
                  and (f / path).exists()]
        if not inside:
            bad.append(token)
    assert not bad, f"{_rel(doc)} names paths outside the repository: {bad}"

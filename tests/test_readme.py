"""The README's examples stay true: its method file compiles and its API snippet runs."""
from __future__ import annotations

from pathlib import Path

import pytest

import pcf
from pcf.language.build import build_method

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def blocks(lang: str) -> list[str]:
    """Fenced code blocks of one language ("" for unlabelled ones)."""
    out, current, open_lang = [], [], None
    for line in README.split("\n"):
        if line.startswith("```"):
            if open_lang is None:
                open_lang, current = line[3:].strip(), []
            else:
                if open_lang == lang:
                    out.append("\n".join(current))
                open_lang = None
        elif open_lang is not None:
            current.append(line)
    return out


def test_the_readme_method_compiles():
    (method,) = [b for b in blocks("") if b.lstrip().startswith("method ")]
    ws = pcf.Workspace.load()
    plan = ws.compile(build_method(method, "README.md"), data_year=2025)
    assert {"rm_power", "rm_gas", "transport", "forklift"} <= {e.name for e in plan.method.emissions}


def test_the_readme_api_snippet_runs(monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    (snippet,) = [b for b in blocks("python") if "Workspace.load()" in b]
    scope: dict = {}
    exec(compile(snippet, "README.md", "exec"), scope)   # the README's own code, on purpose
    total = scope["ws"].evaluate(scope["plan"], scope["inventory"]).products[0].total
    # 56.8120 + 13.1967 + 2.3750 kWh x 0.5777 + (0.1552 + 0.6107) kg diesel x 3.0959
    assert total == pytest.approx((56.8120 + 13.1967 + 2.3750) * 0.5777
                                  + (0.1552 + 0.6107) * 42.652 * 20.2 * 0.98 * 44 / 12 / 1000)

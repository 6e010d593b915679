"""The sealed cache of the report templates' compiled code (render/templatecache.py)."""
from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from pcf.render.templatecache import FOLDER, SealedBytecodeCache


def _env(templates: Path, cache: Path, settings: str = "s") -> Environment:
    return Environment(loader=FileSystemLoader(templates), autoescape=True,
                       bytecode_cache=SealedBytecodeCache(settings, cache))


def _compiles(env: Environment, monkeypatch) -> list[str]:
    seen: list[str] = []
    original = env.compile

    def spy(source, name=None, filename=None, raw=False, defer_init=False):
        seen.append(name)
        return original(source, name, filename, raw, defer_init)

    monkeypatch.setattr(env, "compile", spy)
    return seen


def test_a_second_process_loads_the_compiled_template_and_renders_the_same(tmp_path, monkeypatch):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "page.html").write_text("<p>{{ x }}</p>{% for i in r %}{{ i }}{% endfor %}", encoding="utf-8")
    first = _env(tmp_path / "t", tmp_path / "cache")
    compiled = _compiles(first, monkeypatch)
    out = first.get_template("page.html").render(x="<b>", r=[1, 2])
    assert out == "<p>&lt;b&gt;</p>12" and compiled == ["page.html"]
    assert len(list((tmp_path / "cache" / FOLDER).glob("*.jinja"))) == 1
    second = _env(tmp_path / "t", tmp_path / "cache")     # as a new process: a new environment
    compiled = _compiles(second, monkeypatch)
    assert second.get_template("page.html").render(x="<b>", r=[1, 2]) == out and compiled == []


def test_an_edited_template_or_other_settings_are_compiled_afresh(tmp_path, monkeypatch):
    (tmp_path / "t").mkdir()
    page = tmp_path / "t" / "page.html"
    page.write_text("old {{ x }}", encoding="utf-8")
    _env(tmp_path / "t", tmp_path / "cache").get_template("page.html").render(x=1)
    page.write_text("new {{ x }}", encoding="utf-8")
    env = _env(tmp_path / "t", tmp_path / "cache")
    compiled = _compiles(env, monkeypatch)
    assert env.get_template("page.html").render(x=1) == "new 1" and compiled == ["page.html"]
    other = _env(tmp_path / "t", tmp_path / "cache", settings="other options")
    compiled = _compiles(other, monkeypatch)
    other.get_template("page.html").render(x=1)
    assert compiled == ["page.html"]         # its own file: options change the compiled code


def test_a_planted_file_is_never_loaded(tmp_path, monkeypatch):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "page.html").write_text("{{ x }}", encoding="utf-8")
    _env(tmp_path / "t", tmp_path / "cache").get_template("page.html")
    [path] = (tmp_path / "cache" / FOLDER).glob("*.jinja")
    # jinja2's own format (magic, checksum, marshalled code) without pcf's 32-byte seal, as a planted
    # file would be: were it loaded, nothing would be compiled below
    path.write_bytes(path.read_bytes()[32:])
    env = _env(tmp_path / "t", tmp_path / "cache")
    compiled = _compiles(env, monkeypatch)
    assert env.get_template("page.html").render(x="ok") == "ok" and compiled == ["page.html"]


def test_a_folded_filter_is_why_settings_name_what_filters_depend_on(tmp_path):
    # jinja2 compiles `{{ 1.0 | pct }}` to its value: code cached under one language's settings
    # would print that language's figure in another's report
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "page.md").write_text("{{ 1.0 | pct }}", encoding="utf-8")

    def render(lang: str, settings: str) -> str:
        env = _env(tmp_path / "t", tmp_path / "cache", settings)
        env.filters["pct"] = (lambda x: f"{x * 100:.2f}%") if lang == "zh" else (lambda x: f"{x * 100:.2f} %")
        return env.get_template("page.md").render()

    assert render("zh", "zh") == "100.00%" and render("en", "en") == "100.00 %"
    assert render("en", "zh") == "100.00%"      # the hazard, shown: the same settings share the code


def test_reports_in_both_languages_from_one_cache_each_print_their_own_figures(tmp_path, monkeypatch):
    from pcf.api import Workspace
    from pcf.render.report import render_report
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    result = Workspace.load().run_case(Path(__file__).resolve().parent.parent / "examples" / "seed-003-metering-box")
    for _ in range(2):      # the second round loads what the first compiled
        assert "| 100.00% |" in render_report(result, "md", "zh")
        assert "| 100.00 % |" in render_report(result, "md", "en")

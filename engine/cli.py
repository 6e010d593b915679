"""The `pcf` command: the only module that prints or sets exit codes.

Exit status: 0 done (even with findings), 1 user error (bad input, with `file:line:col:`
messages on stderr), 2 bad command-line use, 70 an internal error (a bug: please report).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

from . import __version__
from .core.errors import PcfError, render
from .core.paths import DEFAULT_KB_DIR
from .render.escape import terminal_text


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = _parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    from .core.pintimport import import_pint_without_dask
    import_pint_without_dask()               # whenever pint is imported, without dask (core/pintimport.py)
    from .knowledge.layers import KbChoice   # the library and the --kb layers, as one value
    args.kb = KbChoice(args.library_kb, tuple(args.kb))
    try:
        return args.func(args) or 0
    except PcfError as exc:
        print(render(exc.diagnostics), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("pcf: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: say so plainly, without a traceback unless asked
        if os.environ.get("PCF_DEBUG"):
            raise
        print(f"pcf: internal error: {type(exc).__name__}: {terminal_text(exc)} (set PCF_DEBUG=1 for details, "
              "and please report it)", file=sys.stderr)
        return 70


def _parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    """pcf's argument parser with the arguments of the command `argv` names, or of every command
    when the command word is not certain. Adding all ~90 arguments took ~7 ms of every start;
    the list of commands in `pcf --help` needs only their names and helps."""
    p = argparse.ArgumentParser(prog="pcf", description="Product carbon footprints from method files, "
                                "a factor knowledge base and inventories.")
    p.add_argument("--version", action="version", version=f"pcf {__version__}")
    p.add_argument("--kb", type=Path, action="append", default=[], metavar="DIR",
                   help="a knowledge-base layer over the library: its entries add to the library's or override "
                        "them by id (repeat for more; a case's project and case layers go on top)")
    p.add_argument("--library-kb", type=Path, default=DEFAULT_KB_DIR, metavar="DIR",
                   help="replace the library knowledge base (default: pcf's kb/)")
    sub = p.add_subparsers(metavar="COMMAND")
    chosen = _command_word(argv)
    build_all = chosen not in {name for name, _, _ in COMMANDS}
    for name, summary, add_arguments in COMMANDS:
        command = sub.add_parser(name, help=summary)
        if build_all or name == chosen:
            add_arguments(command)
    return p


def _command_word(argv: Sequence[str]) -> str | None:
    """The first argument that is neither an option nor the value of `--kb`/`--library-kb` (or an
    abbreviation argparse accepts): the command, or a word argparse will refuse."""
    words = iter(argv)
    for word in words:
        if word == "--":
            return next(words, None)
        if word.startswith("-"):
            if "=" not in word and len(word) > 2 and any(o.startswith(word) for o in _VALUED_OPTIONS):
                next(words, None)
            continue
        return word
    return None


_VALUED_OPTIONS = ("--kb", "--library-kb")


def _run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("case", type=Path)
    p.add_argument("--scenario", metavar="NAME", help="with a scenario of the method or the case applied")
    p.add_argument("--json", action="store_true", help="print the pcf-result/1 JSON document")
    p.add_argument("--method", help="evaluate the inventory under another method (id or .pcf path)")
    p.add_argument("--fail-on", choices=("error", "warning"),
                   help="exit with status 1 when the result has a finding of this severity or worse (for CI)")
    p.set_defaults(func=_command("cases", "cmd_run"))


def _audit_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("case", type=Path)
    p.add_argument("--json", action="store_true", help="print the pcf-audit/1 JSON document")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--fail-on", choices=("error", "warning"),
                    help="exit with status 1 when the audit has a finding of this severity or worse")
    p.set_defaults(func=_command("cases", "cmd_audit"))


def _check_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", type=Path, nargs="+")
    p.add_argument("--json", action="store_true",
                   help="print the diagnostics as a pcf-check/1 JSON document (code, severity, file, line, ...)")
    p.add_argument("--pact-spec", type=Path, metavar="OPENAPI",
                   help="a .json PACT footprint: also validate it against the schema derived from this official "
                        "PACT OpenAPI file (spec/v3/openapi.yaml of wbcsd/data-exchange-protocol)")
    p.set_defaults(func=_command("library", "cmd_check"))


def _explain_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("case", type=Path)
    p.add_argument("--scenario", metavar="NAME", help="with a scenario of the method or the case applied")
    p.add_argument("name", nargs="?", help="a stage, emission, let, input or kb id (default: each total)")
    p.add_argument("--depth", type=int, help="levels to show below the figure")
    p.add_argument("--method", help="evaluate under another method")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("cases", "cmd_explain"))


def _report_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("case", type=Path)
    p.add_argument("--scenario", metavar="NAME", help="with a scenario of the method or the case applied")
    p.add_argument("--format", choices=("md", "html", "docx", "pdf"), default="html",
                    help="docx: a Word document; pdf: printed by headless Chromium (both need -o)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--method", help="evaluate under another method")
    p.add_argument("-o", "--output", type=Path, help="write to this file (atomically) instead of stdout")
    p.add_argument("--draws", type=int, default=0,
                    help="add an uncertainty section from this many Monte Carlo draws (see pcf uncertainty)")
    p.add_argument("--seed", type=int, default=0, help="with --draws: the random seed")
    p.add_argument("--sensitivity", type=float, nargs="?", const=10.0, metavar="PERCENT",
                    help="add a sensitivity section: each parameter -/+ PERCENT (default 10), a table and a tornado chart")
    p.set_defaults(func=_command("cases", "cmd_report"))


def _init_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("case", type=Path)
    p.add_argument("--method", required=True, help="a method id from methods/, or a .pcf file (copied into the "
                    "case, with the method files beside it that it extends)")
    p.set_defaults(func=_command("cases", "cmd_init"))


def _export_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("case", type=Path)
    p.add_argument("--format", choices=("csv", "json", "pact"), default="csv",
                    help="pact: a JSON array of PACT ProductFootprints (needs [pact] in case.toml)")
    p.add_argument("--method", help="evaluate under another method")
    p.add_argument("--created", help="pact: the `created` time, ISO 8601 UTC (default: SOURCE_DATE_EPOCH, else now)")
    p.add_argument("--pact-version", type=int, choices=(3, 2), default=3,
                    help="pact: the Technical Specifications version, 3 (3.0.3, default) or 2 (2.3.0)")
    p.add_argument("-o", "--output", type=Path, help="write to this file (atomically) instead of stdout")
    p.set_defaults(func=_command("cases", "cmd_export"))


def _batch_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("method", help="a method id or .pcf path")
    p.add_argument("inventories", type=Path, help="a wide .csv/.xlsx (one row per product) or any inventory")
    p.add_argument("-o", "--output", type=Path, help="results CSV (atomically); default stdout")
    p.add_argument("--data-year", type=int, help="the year factors are looked up for (default: latest)")
    p.add_argument("--lines", action="store_true", help="add one column per emission line")
    p.add_argument("--progress", action="store_true", help="show progress even when stderr is not a terminal")
    p.add_argument("--chunk-rows", type=int, metavar="N",
                    help="a wide CSV catalogue is read, checked and written N products at a time (default 10 000)")
    p.add_argument("--dask", action="store_true", help="evaluate through Dask (pip install pcf[dask]): a CSV "
                    "catalogue a chunk (--chunk-rows) at a time, two chunks per worker in flight")
    p.add_argument("--partitions", type=int, help="with --dask, for an inventory other than a CSV catalogue: "
                    "number of partitions (default: one per worker)")
    p.add_argument("--scheduler", help="with --dask: a scheduler address (default: a local cluster)")
    p.set_defaults(func=_command("analysis", "cmd_batch"))


def _uncertainty_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("case", type=Path)
    p.add_argument("--scenario", metavar="NAME", help="with a scenario of the method or the case applied")
    p.add_argument("--draws", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--spec", type=Path, help="distributions (default: CASE/uncertainty.toml if present)")
    p.add_argument("--svg", type=Path, help="write a histogram of the total (one file per product)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("analysis", "cmd_uncertainty"))


def _sensitivity_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("case", type=Path)
    p.add_argument("--scenario", metavar="NAME", help="with a scenario of the method or the case applied")
    p.add_argument("--step", type=float, default=10.0, help="percent moved up and down (default 10)")
    p.add_argument("--top", type=int, default=15, help="parameters shown and charted (default 15)")
    p.add_argument("--svg", type=Path, help="write a tornado chart (one file per product)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("analysis", "cmd_sensitivity"))


def _graph_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", help="a method id, a .pcf file or a case folder")
    p.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    p.add_argument("--level", choices=("stage", "full"), default="full")
    p.set_defaults(func=_command("cases", "cmd_graph"))


def _compare_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("case", type=Path)
    p.add_argument("--method", action="append", help="a method id or .pcf path (repeat)")
    p.add_argument("--scenarios", action="store_true",
                    help="the case as it is beside each scenario of its method and case.toml")
    p.add_argument("--scenario", action="append", metavar="NAME", help="a scenario to set beside the case (repeat)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("cases", "cmd_compare"))


def _fmt_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", type=Path, nargs="+", help=".pcf files or folders")
    p.add_argument("--check", action="store_true", help="only name the files that would change; exit 1 if any")
    p.set_defaults(func=_command("library", "cmd_fmt"))


def _lsp_arguments(p: argparse.ArgumentParser) -> None:
    p.set_defaults(func=_command("library", "cmd_lsp"))


def _methods_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("library", "cmd_methods"))


def _kb_arguments(p: argparse.ArgumentParser) -> None:
    ks = p.add_subparsers(metavar="ACTION")
    kl = ks.add_parser("list", help="list entries")
    kl.add_argument("--json", action="store_true")
    kl.add_argument("--case", type=Path, help="with the project and case knowledge-base layers of this case folder")
    kl.set_defaults(func=_command("library", "cmd_kb_list"))
    kw = ks.add_parser("show", help="one id, every period, with its source")
    kw.add_argument("id")
    kw.add_argument("--json", action="store_true")
    kw.add_argument("--case", type=Path, help="with the project and case knowledge-base layers of this case folder")
    kw.set_defaults(func=_command("library", "cmd_kb_show"))
    kf = ks.add_parser("search", help="search ids, names (中文/English) and sources")
    kf.add_argument("text")
    kf.add_argument("--json", action="store_true")
    kf.add_argument("--case", type=Path, help="with the project and case knowledge-base layers of this case folder")
    kf.set_defaults(func=_command("library", "cmd_kb_search"))
    ki = ks.add_parser("import", help="import an open factor data set as kb/ TOML (docs: guide-curators)")
    ki.add_argument("format", help="desnz, owid-grid, mapping, cpcd, ipcc, co2js or pact")
    ki.add_argument("file", type=Path, help="the data file (.csv or .xlsx)")
    ki.add_argument("-o", "--output", type=Path, required=True, help="the TOML file to write")
    ki.add_argument("--mapping", type=Path, help="format `mapping`: the column -> field TOML file")
    ki.add_argument("--source", dest="source_key", help="the sources.toml key the entries cite")
    ki.add_argument("--confidence", choices=("confirmed-A", "confirmed-B", "unconfirmed"),
                    help="how well the file is established (default: unconfirmed, not a default)")
    ki.add_argument("--gwp", help="the GWP set of the file's CO2e values, where the file states it")
    ki.add_argument("--sheet", help="the sheet of an .xlsx file (default: the first with the columns)")
    ki.set_defaults(func=_command("library", "cmd_kb_import"))


# name, help, its arguments: in this order in `pcf --help`
COMMANDS = (
    ("run", "evaluate a case folder", _run_arguments),
    ("audit", "every printed figure of a case against the calculation (verifier's view)", _audit_arguments),
    ("check", "validate method files, inventories, case folders, kb files or received PACT "
              "footprints (.json)", _check_arguments),
    ("explain", "how a figure was computed, down to inventory and knowledge base", _explain_arguments),
    ("report", "a footprint report: study, method, calculation, audit (HTML, Markdown, Word)", _report_arguments),
    ("init", "a new case folder with inventory templates (TOML and XLSX)", _init_arguments),
    ("export", "calculation lines as CSV, the result as JSON, or PACT v2.3 ProductFootprints", _export_arguments),
    ("batch", "a catalogue of products through one method, column-wise (CSV out)", _batch_arguments),
    ("uncertainty", "Monte Carlo: mean, median and 95 %% interval per stage and total", _uncertainty_arguments),
    ("sensitivity", "contribution of each line, and each parameter moved -/+10 %%", _sensitivity_arguments),
    ("graph", "the dependency graph of a method or case (Mermaid or DOT)", _graph_arguments),
    ("compare", "a case under two or more methods, or its scenarios, stage by stage", _compare_arguments),
    ("fmt", "method files in pcf's canonical layout, comments and blank lines kept", _fmt_arguments),
    ("lsp", "a language server for method files, on stdin/stdout (editors start it)", _lsp_arguments),
    ("methods", "list the methods in methods/", _methods_arguments),
    ("kb", "the knowledge base: list, show, search", _kb_arguments),
)


def _command(module: str, name: str):
    """The command `name` of `pcf.commands.<module>`, imported when it runs: `pcf --help` and
    every other command load only what they use."""
    def run(args):
        from importlib import import_module
        return getattr(import_module(f"pcf.commands.{module}"), name)(args)
    run.command = f"{module}.{name}"     # what it runs, for a reader (and the parser's tests)
    return run


if __name__ == "__main__":
    sys.exit(main())

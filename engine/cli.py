"""The `pcf` command: the only module that prints or sets exit codes.

Exit status: 0 done (even with findings), 1 user error (bad input, with `file:line:col:`
messages on stderr), 2 bad command-line use, 70 an internal error (a bug: please report).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import __version__
from .api import Workspace, read_method
from .core.errors import PcfError, render
from .core.units import load_units
from .inputs.case import load_case
from .inputs.inventory import load_inventory
from .knowledge.kb import DEFAULT_KB_DIR, check_kb, kb_root, load_kb
from .language.library import DEFAULT_METHODS_DIR, method_ids
from .plan import compile_method
from .render.escape import json_text, terminal_text, text_block
from .render.text import render_result


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
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


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pcf", description="Product carbon footprints from method files, "
                                "a factor knowledge base and inventories.")
    p.add_argument("--version", action="version", version=f"pcf {__version__}")
    p.add_argument("--kb", type=Path, default=DEFAULT_KB_DIR, help="knowledge base folder (default: kb/)")
    sub = p.add_subparsers(metavar="COMMAND")

    r = sub.add_parser("run", help="evaluate a case folder")
    r.add_argument("case", type=Path)
    r.add_argument("--json", action="store_true", help="print the pcf-result/1 JSON document")
    r.add_argument("--method", help="evaluate the inventory under another method (id or .pcf path)")
    r.set_defaults(func=cmd_run)

    au = sub.add_parser("audit", help="every printed figure of a case against the calculation (verifier's view)")
    au.add_argument("case", type=Path)
    au.add_argument("--json", action="store_true", help="print the pcf-audit/1 JSON document")
    au.add_argument("--lang", choices=("zh", "en"), default="zh")
    au.add_argument("--fail-on", choices=("error", "warning"),
                    help="exit with status 1 when the audit has a finding of this severity or worse")
    au.set_defaults(func=cmd_audit)

    c = sub.add_parser("check", help="validate method files, inventories, case folders or kb files")
    c.add_argument("paths", type=Path, nargs="+")
    c.set_defaults(func=cmd_check)

    ex = sub.add_parser("explain", help="how a figure was computed, down to inventory and knowledge base")
    ex.add_argument("case", type=Path)
    ex.add_argument("name", nargs="?", help="a stage, emission, let, input or kb id (default: each total)")
    ex.add_argument("--depth", type=int, help="levels to show below the figure")
    ex.add_argument("--method", help="evaluate under another method")
    ex.add_argument("--json", action="store_true")
    ex.set_defaults(func=cmd_explain)

    rp = sub.add_parser("report", help="the calculation chapters of a footprint report (Markdown or HTML)")
    rp.add_argument("case", type=Path)
    rp.add_argument("--format", choices=("md", "html"), default="html")
    rp.add_argument("--lang", choices=("zh", "en"), default="zh")
    rp.add_argument("--method", help="evaluate under another method")
    rp.add_argument("-o", "--output", type=Path, help="write to this file (atomically) instead of stdout")
    rp.add_argument("--draws", type=int, default=0,
                    help="add an uncertainty section from this many Monte Carlo draws (see pcf uncertainty)")
    rp.add_argument("--seed", type=int, default=0, help="with --draws: the random seed")
    rp.set_defaults(func=cmd_report)

    ip = sub.add_parser("init", help="a new case folder with inventory templates (TOML and XLSX)")
    ip.add_argument("case", type=Path)
    ip.add_argument("--method", required=True, help="a method id from methods/")
    ip.set_defaults(func=cmd_init)

    xp = sub.add_parser("export", help="calculation lines as CSV, the result as JSON, or PACT v2.3 ProductFootprints")
    xp.add_argument("case", type=Path)
    xp.add_argument("--format", choices=("csv", "json", "pact"), default="csv",
                    help="pact: a JSON array of PACT ProductFootprints (needs [pact] in case.toml)")
    xp.add_argument("--method", help="evaluate under another method")
    xp.add_argument("--created", help="pact: the `created` time, ISO 8601 UTC (default: SOURCE_DATE_EPOCH, else now)")
    xp.add_argument("-o", "--output", type=Path, help="write to this file (atomically) instead of stdout")
    xp.set_defaults(func=cmd_export)

    bt = sub.add_parser("batch", help="a catalogue of products through one method, column-wise (CSV out)")
    bt.add_argument("method", help="a method id or .pcf path")
    bt.add_argument("inventories", type=Path, help="a wide .csv/.xlsx (one row per product) or any inventory")
    bt.add_argument("-o", "--output", type=Path, help="results CSV (atomically); default stdout")
    bt.add_argument("--data-year", type=int, help="the year factors are looked up for (default: latest)")
    bt.add_argument("--lines", action="store_true", help="add one column per emission line")
    bt.add_argument("--progress", action="store_true", help="show progress even when stderr is not a terminal")
    bt.add_argument("--dask", action="store_true", help="evaluate partitions through Dask (pip install pcf[dask])")
    bt.add_argument("--partitions", type=int, help="with --dask: number of partitions (default: one per core)")
    bt.add_argument("--scheduler", help="with --dask: a scheduler address (default: a local cluster)")
    bt.set_defaults(func=cmd_batch)

    un = sub.add_parser("uncertainty", help="Monte Carlo: mean, median and 95 %% interval per stage and total")
    un.add_argument("case", type=Path)
    un.add_argument("--draws", type=int, default=10_000)
    un.add_argument("--seed", type=int, default=0)
    un.add_argument("--spec", type=Path, help="distributions (default: CASE/uncertainty.toml if present)")
    un.add_argument("--svg", type=Path, help="write a histogram of the total (one file per product)")
    un.add_argument("--json", action="store_true")
    un.set_defaults(func=cmd_uncertainty)

    se = sub.add_parser("sensitivity", help="contribution of each line, and each parameter moved -/+10 %%")
    se.add_argument("case", type=Path)
    se.add_argument("--step", type=float, default=10.0, help="percent moved up and down (default 10)")
    se.add_argument("--top", type=int, default=15, help="parameters shown and charted (default 15)")
    se.add_argument("--svg", type=Path, help="write a tornado chart (one file per product)")
    se.add_argument("--json", action="store_true")
    se.set_defaults(func=cmd_sensitivity)

    gr = sub.add_parser("graph", help="the dependency graph of a method or case (Mermaid or DOT)")
    gr.add_argument("target", help="a method id, a .pcf file or a case folder")
    gr.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    gr.add_argument("--level", choices=("stage", "full"), default="full")
    gr.set_defaults(func=cmd_graph)

    cp = sub.add_parser("compare", help="a case under two or more methods, stage by stage")
    cp.add_argument("case", type=Path)
    cp.add_argument("--method", action="append", required=True, help="a method id or .pcf path (repeat)")
    cp.add_argument("--json", action="store_true")
    cp.set_defaults(func=cmd_compare)

    m = sub.add_parser("methods", help="list the methods in methods/")
    m.add_argument("--json", action="store_true")
    m.set_defaults(func=cmd_methods)

    k = sub.add_parser("kb", help="the knowledge base: list, show, search")
    ks = k.add_subparsers(metavar="ACTION")
    kl = ks.add_parser("list", help="list entries")
    kl.add_argument("--json", action="store_true")
    kl.set_defaults(func=cmd_kb_list)
    kw = ks.add_parser("show", help="one id, every period, with its source")
    kw.add_argument("id")
    kw.add_argument("--json", action="store_true")
    kw.set_defaults(func=cmd_kb_show)
    kf = ks.add_parser("search", help="search ids, names (中文/English) and sources")
    kf.add_argument("text")
    kf.add_argument("--json", action="store_true")
    kf.set_defaults(func=cmd_kb_search)
    ki = ks.add_parser("import", help="import an open factor data set as kb/ TOML (docs: guide-curators)")
    ki.add_argument("format", help="desnz, owid-grid, mapping or cpcd")
    ki.add_argument("file", type=Path, help="the data file (.csv or .xlsx)")
    ki.add_argument("-o", "--output", type=Path, required=True, help="the TOML file to write")
    ki.add_argument("--mapping", type=Path, help="format `mapping`: the column -> field TOML file")
    ki.add_argument("--source", dest="source_key", help="the sources.toml key the entries cite")
    ki.add_argument("--confidence", choices=("confirmed-A", "confirmed-B", "unconfirmed"),
                    help="how well the file is established (default: unconfirmed, not a default)")
    ki.add_argument("--gwp", help="the GWP set of the file's CO2e values, where the file states it")
    ki.add_argument("--sheet", help="the sheet of an .xlsx file (default: the first with the columns)")
    ki.set_defaults(func=cmd_kb_import)
    return p


def _out(text: str) -> None:
    """Text for people: its lines kept, every control character (an escape sequence) shown escaped."""
    text = text_block(text)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _json(obj) -> None:
    _data(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", is_json=True)


def _data(text: str, is_json: bool = False) -> None:
    """A document: JSON with every control character as a `\\u` escape (the same value); CSV as it is,
    or escaped when stdout is a terminal."""
    sys.stdout.write(json_text(text) if is_json else text_block(text) if sys.stdout.isatty() else text)


def cmd_run(args) -> int:
    ws = Workspace.load(args.kb)
    result = ws.run_case(args.case, args.method)
    if args.json:
        _json(result.to_dict())
    else:
        title = result.case.title if result.case is not None else None
        _out(render_result(result, title))
    return 0


def cmd_audit(args) -> int:
    from .checks.auditview import audit_case
    from .render.audittext import render_audit
    view = audit_case(Workspace.load(args.kb), args.case)
    if args.json:
        _json(view.to_dict())
    else:
        _out(render_audit(view, args.lang))
    return 1 if view.failed(args.fail_on) else 0


def cmd_explain(args) -> int:
    from .analysis.explain import explain, render_tree
    if args.depth is not None and args.depth < 0:
        print("pcf explain: --depth must be 0 or more", file=sys.stderr)
        return 2
    result = Workspace.load(args.kb).run_case(args.case, args.method)
    trees = explain(result, args.name, args.depth)
    if args.json:
        _json([t.to_dict() for t in trees])
    else:
        _out("\n\n".join(render_tree([t]) for t in trees))
    return 0


def cmd_report(args) -> int:
    from .render.report import render_report
    ws = Workspace.load(args.kb)
    result = ws.run_case(args.case, args.method)
    simulation, spec_path = None, None
    if args.draws:
        from .analysis.uncertainty import EMPTY, load_spec, simulate
        spec_path = _side_spec(args.case)
        simulation = simulate(result, args.draws, args.seed, load_spec(spec_path) if spec_path else EMPTY)
    text = render_report(result, args.format, args.lang, simulation)
    if args.output is None:
        _out(text)
    else:
        _write(args.output, text, ws, result, [spec_path] if spec_path else [])
    return 0


def _side_spec(case: Path) -> Path | None:
    """CASE/uncertainty.toml when the case has one (a regular file inside the case folder)."""
    from .files.inputfile import side_file
    from .files.tomlfile import MAX_TOML_BYTES
    return side_file(case, "uncertainty.toml", MAX_TOML_BYTES)


def _write(path: Path, text: str, ws, result, extra=(), reads=None, note: str = "") -> None:
    """Write an output atomically, once outputs.py allows it (never over what the run read)."""
    from .files.atomic import write_atomic
    from .files.outputs import check_output, reads_of_case
    check_output(path, reads or reads_of_case(ws, result, extra))
    write_atomic(path, text)
    print(f"wrote {path}{note}", file=sys.stderr)


def cmd_init(args) -> int:
    from .inputs.scaffold import init_case
    ws = Workspace(load_units(), None, DEFAULT_METHODS_DIR)
    for path in init_case(args.case, ws.method(args.method)):
        _out(f"wrote {path}")
    return 0


def cmd_export(args) -> int:
    from .exchange.export import to_csv, to_json
    notes: tuple[str, ...] = ()
    if args.format == "pact":
        from .exchange.pact import created_time, to_pact
        try:
            created = created_time(args.created)
        except ValueError as exc:
            print(f"pcf export: {exc}", file=sys.stderr)
            return 2
    elif args.created is not None:
        print("pcf export: --created applies to --format pact only", file=sys.stderr)
        return 2
    ws = Workspace.load(args.kb)
    result = ws.run_case(args.case, args.method)
    if args.format == "pact":
        export = to_pact(result, created)
        text, notes = export.to_json(), export.notes
    else:
        text = to_csv(result) if args.format == "csv" else to_json(result)
    for note in notes:
        print(f"note: {terminal_text(note)}", file=sys.stderr)
    if args.output is None:
        _data(text, is_json=args.format != "csv")
    else:
        _write(args.output, text, ws, result)
    return 0


def cmd_batch(args) -> int:
    from .analysis.batch import evaluate_catalogue, load_catalogue, to_csv
    from .evaluation.lowering import compile_program
    from .plan import compile_method
    from .core.progress import Progress
    ws = Workspace.load(args.kb)
    method = ws.method(args.method)
    if args.data_year is None:
        print("pcf batch: no --data-year: annual factors resolve to their latest year", file=sys.stderr)
    prog = compile_program(compile_method(method, ws.kb, ws.units, args.data_year,
                                          latest_when_no_year=args.data_year is None))
    cat = load_catalogue(args.inventories, prog, ws.kb, Progress("reading", args.progress))
    if args.dask:
        from .analysis.distributed import evaluate_dask
        result = evaluate_dask(prog, cat, args.partitions, args.scheduler)
    else:
        result = evaluate_catalogue(prog, cat, Progress("evaluating", args.progress))
    text = to_csv(result, prog, args.lines)
    if args.output is None:
        _data(text)
    else:
        from .files.outputs import reads_of_batch
        _write(args.output, text, ws, None, reads=reads_of_batch(ws, method, args.inventories),
               note=f" ({len(cat):,} products)")
    return 0


def cmd_uncertainty(args) -> int:
    from .analysis.uncertainty import EMPTY, load_spec, render_text, simulate
    ws = Workspace.load(args.kb)
    result = ws.run_case(args.case)
    spec_path = args.spec or _side_spec(args.case)
    spec = load_spec(spec_path) if spec_path is not None else EMPTY
    sim = simulate(result, args.draws, args.seed, spec)
    if args.json:
        _json(sim.to_dict())
    else:
        _out(render_text(sim))
    if args.svg is not None:
        from .files.outputs import per_product_paths
        from .render.charts import histogram_svg
        for p, path in zip(sim.products, per_product_paths(args.svg, [p.id for p in sim.products])):
            _write(path, histogram_svg(p, sim), ws, result, [spec_path] if spec_path else [])
    return 0


def cmd_sensitivity(args) -> int:
    from .render.charts import tornado_svg
    from .analysis.sensitivity import render_text, sensitivity, to_dict
    if not 0 < args.step < 100:
        print("pcf sensitivity: --step is a percent between 0 and 100", file=sys.stderr)
        return 2
    ws = Workspace.load(args.kb)
    result = ws.run_case(args.case)
    found = sensitivity(result, args.step / 100)
    if args.json:
        _json(to_dict(found))
    else:
        _out(render_text(found, args.top))
    if args.svg is not None:
        from .files.outputs import per_product_paths
        for p, path in zip(found, per_product_paths(args.svg, [p.id for p in found])):
            _write(path, tornado_svg(p, args.top), ws, result)
    return 0


def cmd_graph(args) -> int:
    from .render.graph import method_graph, to_dot, to_mermaid
    ws = Workspace.load(args.kb)
    target = Path(args.target)
    if target.is_dir() and (target / "case.toml").is_file():
        case = load_case(target, ws.methods_dir)
        plan = ws.compile(ws.resolve(read_method(case.method_path)), case.data_year)
    else:
        plan = compile_method(ws.method(args.target), ws.kb, ws.units, None, latest_when_no_year=True)
    g = method_graph(plan, args.level)
    _out(to_mermaid(g) if args.format == "mermaid" else to_dot(g, plan.method.id))
    return 0


def cmd_compare(args) -> int:
    from .render.compare import compare_dict, render_compare
    ws = Workspace.load(args.kb)
    results = [ws.run_case(args.case, m) for m in args.method]
    if args.json:
        _json(compare_dict(results))
    else:
        _out(render_compare(results))
    return 0


def cmd_check(args) -> int:
    units = load_units()
    problems = []
    kb = None

    def get_kb():
        nonlocal kb
        if kb is None:
            kb = load_kb(args.kb, units)
        return kb

    checked = 0
    for path in args.paths:
        try:
            if path.is_dir() and (path / "case.toml").is_file():
                ws = Workspace(units, get_kb(), DEFAULT_METHODS_DIR)
                result = ws.run_case(path)  # binding and evaluation are the validation of a case
                checked += 1
            elif path.is_dir() or path.name == "sources.toml" or _inside_kb(path, args.kb):
                # A file or sub-folder is checked as part of its whole KB: ids and sources span files.
                check_kb(load_kb(kb_root(path), units))
                checked += 1
            elif path.suffix == ".pcf":
                ws = Workspace(units, get_kb(), DEFAULT_METHODS_DIR)
                compile_method(ws.resolve(read_method(path)), get_kb(), units, None, latest_when_no_year=True)
                checked += 1
            elif path.name == "case.toml":
                Workspace(units, get_kb(), DEFAULT_METHODS_DIR).run_case(path.parent)
                checked += 1
            elif path.suffix in (".toml", ".xlsx"):
                load_inventory(path)
                checked += 1
            elif not path.exists():
                print(f"{path}: no such file or folder", file=sys.stderr)
                return 1
            else:
                print(f"{path}: not a method (.pcf), inventory (.toml), case folder or kb folder", file=sys.stderr)
                return 1
        except PcfError as exc:
            problems.extend(exc.diagnostics)
    if problems:
        print(render(problems), file=sys.stderr)
        return 1
    _out(f"ok: {checked} checked")
    return 0


def _inside_kb(path: Path, kb: Path) -> bool:
    try:
        path.resolve().relative_to(kb.resolve())
        return True
    except ValueError:
        return False


def cmd_methods(args) -> int:
    rows = []
    ws = None
    for ident, path in sorted(method_ids().items()):
        if ws is None:
            ws = Workspace(load_units(), None, DEFAULT_METHODS_DIR)
        m = ws.resolve(read_method(path))
        rows.append({"id": m.id, "title": m.title, "standard": m.setting("standard"),
                     "boundary": (m.setting("boundary") or "").replace("_", "-") or None,
                     "gwp": m.setting("gwp"), "extends": m.extends, "path": str(Path(m.path))})
    if args.json:
        _json(rows)
    else:
        from .render.text import table
        lines = table([["id", "standard", "boundary", "gwp", "title"]]
                      + [[r["id"], r["standard"] or "", r["boundary"] or "", r["gwp"] or "", r["title"] or ""]
                         for r in rows])
        _out("\n".join(lines))
    return 0


def _entry_dict(e, kb) -> dict:
    src = kb.sources.get(e.source)
    return {"id": e.id, "value": e.value, "formula": e.formula, "unit": e.unit, "basis": e.basis,
            "source": e.source, "source_title": src.title if src else None,
            "issuer": src.issuer if src else None, "source_year": src.year if src else None,
            "licence": src.licence if src else None, "redistribution": src.redistribution if src else None,
            "valid_from": e.valid_from, "valid_to": e.valid_to, "data_year": e.data_year,
            "region": e.region, "boundary": e.boundary, "quality": e.quality, "confidence": e.confidence,
            "default": e.default, "name_zh": e.name_zh, "name_en": e.name_en, "note": e.note,
            "parts": {g: {"value": v, "unit": u} for g, v, u in e.parts} if e.parts else None,
            "file": e.span.path, "line": e.span.line}


def _redistribution(allowed: bool | None) -> str:
    return {True: " (redistribution allowed)", False: " (no redistribution)"}.get(allowed, "")


def _kb(args):
    return load_kb(args.kb, load_units())


def _list(entries, kb, as_json: bool) -> None:
    if as_json:
        _json([_entry_dict(e, kb) for e in entries])
        return
    from .render.text import table
    rows = [["id", "period", "value", "unit", "source", "name"]]
    for e in entries:
        rows.append([e.id, e.period, "=" + "formula" if e.value is None else f"{e.value:g}", e.unit, e.source,
                     e.name_zh or e.name_en or ""])
    _out("\n".join(table(rows)))
    _out(f"{len(entries)} entries")


def cmd_kb_list(args) -> int:
    kb = _kb(args)
    _list(kb.entries, kb, args.json)
    return 0


def cmd_kb_search(args) -> int:
    kb = _kb(args)
    _list(kb.search(args.text), kb, args.json)
    return 0


def cmd_kb_import(args) -> int:
    from .knowledge.imports import convert
    options = {k: v for k, v in (("source", args.source_key), ("confidence", args.confidence), ("gwp", args.gwp),
                                 ("sheet", args.sheet), ("mapping", args.mapping)) if v is not None}
    text = convert(args.format, args.file, options)
    from .files.atomic import write_atomic
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(args.output, text, inputs=[args.file] + ([args.mapping] if args.mapping else []))
    _out(f"wrote {text.count(chr(10) + '[[entry]]')} entries to {args.output}")
    return 0


def cmd_kb_show(args) -> int:
    kb = _kb(args)
    ident = args.id.removeprefix("kb.")
    versions = kb.by_id.get(ident)
    if not versions:
        from .core.errors import Diagnostic, did_you_mean
        raise PcfError([Diagnostic("kb-unknown", f"unknown knowledge-base id `{ident}`", None,
                                   path=str(args.kb), hint=did_you_mean(ident, kb.by_id))])
    if args.json:
        _json([_entry_dict(e, kb) for e in versions])
        return 0
    t = terminal_text       # every field on its own line: a newline in a name or note is shown as \n
    for e in versions:
        src = kb.sources.get(e.source)
        _out(f"kb.{e.id}  [{e.period}]  {t(e.name_zh or '')} {t(e.name_en or '')}".rstrip())
        _out(f"  value     {e.value if e.value is not None else '= ' + t(e.formula)} {e.unit}  ({e.basis})")
        for label, v in (("region", e.region), ("boundary", e.boundary), ("quality", e.quality),
                         ("confidence", e.confidence + ("" if e.default else ", not a default") if e.confidence else None),
                         ("data year", e.data_year), ("table", e.table), ("note", e.note),
                         ("parts", ", ".join(f"{g} {v:g} {u}" for g, v, u in e.parts) if e.parts else None)):
            if v is not None:
                _out(f"  {label:<9} {t(v)}")
        if src:
            _out(f"  source    {t(src.title)} — {t(src.issuer)}, {t(src.date or src.year)}"
                 + (f", {t(src.document)}" if src.document else ""))
            _out(f"  licence   {t(src.licence or 'not recorded')}" + _redistribution(src.redistribution))
        _out(f"  defined   {e.span.path}:{e.span.line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

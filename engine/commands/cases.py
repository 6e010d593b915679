"""Commands on one case: run, audit, explain, report, init, export, graph, compare."""
from __future__ import annotations

import sys
from pathlib import Path
from ..api import Workspace, read_method
from ..core.units import load_units
from ..inputs.case import load_case
from ..language.library import DEFAULT_METHODS_DIR
from ..plan import compile_method
from ..render.escape import terminal_text
from ..render.text import render_result
from .common import out_data, out_json, out, side_spec, write_output


def cmd_run(args) -> int:
    ws = Workspace.load(args.kb)
    result = ws.run_case(args.case, args.method, args.scenario)
    if args.json:
        out_json(result.to_dict())
    else:
        title = result.case.title if result.case is not None else None
        out(render_result(result, title))
    worse = {"error": {"error"}, "warning": {"error", "warning"}}.get(args.fail_on or "", set())
    return 1 if any(f.severity in worse for f in result.findings) else 0


def cmd_audit(args) -> int:
    from ..checks.auditview import audit_case
    from ..render.audittext import render_audit
    view = audit_case(Workspace.load(args.kb), args.case)
    if args.json:
        out_json(view.to_dict())
    else:
        out(render_audit(view, args.lang))
    return 1 if view.failed(args.fail_on) else 0


def cmd_explain(args) -> int:
    from ..analysis.explain import explain, render_tree
    if args.depth is not None and args.depth < 0:
        print("pcf explain: --depth must be 0 or more", file=sys.stderr)
        return 2
    result = Workspace.load(args.kb).run_case(args.case, args.method, args.scenario)
    trees = explain(result, args.name, args.depth)
    if args.json:
        out_json([t.to_dict() for t in trees])
    else:
        out("\n\n".join(render_tree([t]) for t in trees))
    return 0


def cmd_report(args) -> int:
    from ..render.report import render_report
    ws = Workspace.load(args.kb)
    result = ws.run_case(args.case, args.method, args.scenario)
    simulation, spec_path = None, None
    if args.draws:
        from ..analysis.uncertainty import EMPTY, load_spec, simulate
        spec_path = side_spec(args.case)
        simulation = simulate(result, args.draws, args.seed, load_spec(spec_path) if spec_path else EMPTY)
    found = None
    if args.sensitivity is not None:
        if not 0 < args.sensitivity < 100:
            print("pcf report: --sensitivity is a percent between 0 and 100", file=sys.stderr)
            return 2
        from ..analysis.sensitivity import sensitivity
        found = sensitivity(result, args.sensitivity / 100)
    view = None
    case = result.case
    if case is not None and args.method is None and args.scenario is None and (case.reported or case.rows or case.across):
        from ..checks.auditview import audit_case
        view = audit_case(ws, args.case, result)   # the chapter on the printed figures (the same run)
    if args.format in ("docx", "pdf"):
        if args.output is None:
            print(f"pcf report: --format {args.format} writes a file: give -o REPORT.{args.format}", file=sys.stderr)
            return 2
        if args.format == "docx":
            from ..render.reportdocx import render_docx
            data = render_docx(result, args.lang, simulation, view, found)
        else:
            from ..render.reportpdf import html_to_pdf
            data = html_to_pdf(render_report(result, "html", args.lang, simulation, view, found))
        write_output(args.output, data, ws, result, [spec_path] if spec_path else [])
        return 0
    text = render_report(result, args.format, args.lang, simulation, view, found)
    if args.output is None:
        out(text)
    else:
        write_output(args.output, text, ws, result, [spec_path] if spec_path else [])
    return 0


def cmd_init(args) -> int:
    from ..inputs.scaffold import init_case
    ws = Workspace(load_units(), None, DEFAULT_METHODS_DIR)
    method = ws.method(args.method)
    for path in init_case(args.case, method, method_files(args.method)):
        out(f"wrote {path}")
    return 0


def method_files(ref: str) -> dict[str, bytes] | None:
    """A method given as a file outside the library: it, and each base beside it that it
    extends, copied into the new case (a case reads only files inside its folder)."""
    from ..language.library import inside, local_method_ids
    path = Path(ref)
    if path.suffix != ".pcf" or not path.is_file() or inside(path, DEFAULT_METHODS_DIR):
        return None
    files = {path.name: path.read_bytes()}
    beside = local_method_ids(path.parent)
    m = read_method(path)
    seen = {m.id}
    while m.extends is not None and m.extends in beside and m.extends not in seen:
        base = beside[m.extends]
        files.setdefault(base.name, base.read_bytes())
        seen.add(m.extends)
        m = read_method(base)
    return files


def cmd_export(args) -> int:
    from ..exchange.export import to_csv, to_json
    notes: tuple[str, ...] = ()
    if args.format == "pact":
        from ..exchange.pact import created_time, to_pact
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
        export = to_pact(result, created, args.pact_version)
        text, notes = export.to_json(), export.notes
    else:
        text = to_csv(result) if args.format == "csv" else to_json(result)
    for note in notes:
        print(f"note: {terminal_text(note)}", file=sys.stderr)
    if args.output is None:
        out_data(text, is_json=args.format != "csv")
    else:
        write_output(args.output, text, ws, result)
    return 0


def cmd_graph(args) -> int:
    from ..render.graph import method_graph, to_dot, to_mermaid
    ws = Workspace.load(args.kb)
    target = Path(args.target)
    if target.is_dir() and (target / "case.toml").is_file():
        case = load_case(target, ws.methods_dir)
        plan = ws.compile(ws.resolve(read_method(case.method_path)), case.data_year)
    else:
        plan = compile_method(ws.method(args.target), ws.kb, ws.units, None, latest_when_no_year=True)
    g = method_graph(plan, args.level)
    out(to_mermaid(g) if args.format == "mermaid" else to_dot(g, plan.method.id))
    return 0


def cmd_compare(args) -> int:
    from ..render.compare import compare_dict, render_compare
    ws = Workspace.load(args.kb)
    if args.method and (args.scenarios or args.scenario):
        print("pcf compare: give methods (--method) or scenarios (--scenarios, --scenario), not both",
              file=sys.stderr)
        return 2
    if args.method:
        results = [ws.run_case(args.case, m) for m in args.method]
        labels = [r.method.id for r in results]
    elif args.scenarios or args.scenario:
        names = args.scenario or ws.scenario_names(args.case)
        if not names:
            print("pcf compare: the case and its method declare no scenario", file=sys.stderr)
            return 1
        results = [ws.run_case(args.case)] + [ws.run_case(args.case, scenario=name) for name in names]
        labels = ["case", *names]
    else:
        print("pcf compare: give --method (repeat) or --scenarios", file=sys.stderr)
        return 2
    if args.json:
        out_json(compare_dict(results, labels))
    else:
        out(render_compare(results, labels))
    return 0

"""Commands over many evaluations: batch, uncertainty, sensitivity."""
from __future__ import annotations

import sys
from ..api import Workspace
from .common import out_data, out_json, out, side_spec, write_output


def cmd_batch(args) -> int:
    from ..analysis.batch import evaluate_catalogue, load_catalogue, to_csv
    from ..evaluation.lowering import compile_program
    from ..plan import compile_method
    from ..core.progress import Progress
    if args.chunk_rows is not None and args.chunk_rows < 1:
        print("pcf batch: --chunk-rows is a number of products, at least 1", file=sys.stderr)
        return 2
    ws = Workspace.load(args.kb)
    method = ws.method(args.method)
    if args.data_year is None:
        print("pcf batch: no --data-year: annual factors resolve to their latest year", file=sys.stderr)
    prog = compile_program(compile_method(method, ws.kb, ws.units, args.data_year,
                                          latest_when_no_year=args.data_year is None))
    if args.inventories.suffix.lower() == ".csv" and args.inventories.is_file():
        if not args.dask:
            return _batch_stream(args, ws, method, prog, Progress("evaluating", args.progress))
        from ..analysis.distributed import dask_client, dask_outcomes
        with dask_client(args.scheduler) as client:
            return _batch_stream(args, ws, method, prog, Progress("evaluating", args.progress),
                                 lambda chunks: dask_outcomes(prog, client, chunks))
    cat = load_catalogue(args.inventories, prog, ws.kb, Progress("reading", args.progress))
    if args.dask:
        from ..analysis.distributed import evaluate_dask
        result = evaluate_dask(prog, cat, args.partitions, args.scheduler)
    else:
        result = evaluate_catalogue(prog, cat, Progress("evaluating", args.progress))
    text = to_csv(result, prog, args.lines)
    if args.output is None:
        out_data(text)
    else:
        from ..files.outputs import reads_of_batch
        write_output(args.output, text, ws, None, reads=reads_of_batch(ws, method, args.inventories),
               note=f" ({len(cat):,} products)")
    return 0


def _batch_stream(args, ws, method, prog, progress, outcomes=None) -> int:
    """A wide CSV catalogue streamed chunk by chunk into the output (a temporary file, renamed or
    copied to stdout once the whole catalogue is through: an error leaves nothing written);
    `outcomes` evaluates the chunks on a Dask cluster (`--dask`)."""
    from ..analysis.batch import batch_wide_csv
    count: list[int] = []
    from ..analysis.widecsv import CHUNK_ROWS
    pieces = batch_wide_csv(args.inventories, prog, args.chunk_rows or CHUNK_ROWS, args.lines, progress, count,
                            outcomes)
    if args.output is None:
        import tempfile
        with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool:
            for piece in pieces:
                spool.write(piece)
            spool.seek(0)
            if sys.stdout.isatty():
                out_data(spool.read())
            else:
                while block := spool.read(1 << 20):
                    sys.stdout.write(block)
        return 0
    from ..files.atomic import write_atomic_stream
    from ..files.outputs import check_output, reads_of_batch
    reads = reads_of_batch(ws, method, args.inventories)
    write_atomic_stream(args.output, pieces, before_replace=lambda: check_output(args.output, reads))
    print(f"wrote {args.output} ({count[0]:,} products)", file=sys.stderr)
    return 0


def cmd_uncertainty(args) -> int:
    from ..analysis.uncertainty import EMPTY, load_spec, render_text, simulate
    ws = Workspace.load(args.kb)
    result = ws.run_case(args.case, scenario=args.scenario)
    spec_path = args.spec or side_spec(args.case)
    spec = load_spec(spec_path) if spec_path is not None else EMPTY
    sim = simulate(result, args.draws, args.seed, spec)
    if args.json:
        out_json(sim.to_dict())
    else:
        out(render_text(sim))
    if args.svg is not None:
        from ..files.outputs import per_product_paths
        from ..render.charts import histogram_svg
        for p, path in zip(sim.products, per_product_paths(args.svg, [p.id for p in sim.products])):
            write_output(path, histogram_svg(p, sim), ws, result, [spec_path] if spec_path else [])
    return 0


def cmd_sensitivity(args) -> int:
    from ..render.charts import tornado_svg
    from ..analysis.sensitivity import render_text, sensitivity, to_dict
    if not 0 < args.step < 100:
        print("pcf sensitivity: --step is a percent between 0 and 100", file=sys.stderr)
        return 2
    ws = Workspace.load(args.kb)
    result = ws.run_case(args.case, scenario=args.scenario)
    found = sensitivity(result, args.step / 100)
    if args.json:
        out_json(to_dict(found))
    else:
        out(render_text(found, args.top))
    if args.svg is not None:
        from ..files.outputs import per_product_paths
        for p, path in zip(found, per_product_paths(args.svg, [p.id for p in found])):
            write_output(path, tornado_svg(p, args.top), ws, result)
    return 0

"""How long the language server's check of a method file takes (what `pcf lsp` runs after typing pauses).

    .venv/bin/python bench/lsp_check.py              # 500, 2000 and 5000 lines
    .venv/bin/python bench/lsp_check.py --lines 2000

The method is generated: a stage, then N/2 inputs and N/2 emissions each using its input and a
knowledge-base factor (the national grid factor), extending iso14067.base. Timed: the whole
check (`editor.analysis.diagnostics`: parse, resolve the base, compile against the knowledge base,
scenarios), and hover and completion at the last line. Best of --repeat; the workspace (units,
knowledge base) is loaded once, as the server does.
"""
from __future__ import annotations

import argparse
import time

from pcf.api import Workspace
from pcf.editor import analysis


def method(lines: int) -> str:
    n = max(lines // 2, 1)
    out = ['method bench.lsp "bench" extends iso14067.base {', '  stage production "production"']
    out += [f'  input power_{i} : kWh "electricity {i}"' for i in range(n)]
    out += [f"  emission e_{i} in production = power_{i} * kb.cn.electricity.cfp.national" for i in range(n)]
    return "\n".join(out + ["}", ""])


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, action="append")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    ws = Workspace.load()
    print(f"{'lines':>6}  {'check':>9}  {'hover':>9}  {'completion':>10}")
    for lines in args.lines or [500, 2000, 5000]:
        text = method(lines)
        last = text.count("\n") - 2
        errors, _ = analysis.diagnostics(ws, text, "bench.pcf")
        assert not errors, errors[:3]
        check = best(lambda: analysis.diagnostics(ws, text, "bench.pcf"), args.repeat)
        hov = best(lambda: analysis.hover(ws, text, "bench.pcf", last, 40), args.repeat)
        comp = best(lambda: analysis.completions(ws, text, "bench.pcf", last, 0), args.repeat)
        print(f"{lines:>6}  {check * 1000:>7.0f} ms  {hov * 1000:>7.0f} ms  {comp * 1000:>8.0f} ms")


if __name__ == "__main__":
    main()

"""`pcf batch --dask` streams a wide CSV catalogue too (issue 25, target 3): the chunks are read
in the driver as in the plain path and evaluated on the cluster, at most two per worker in
flight, so memory follows the chunk, not the catalogue. The output bytes and the errors equal the
plain streamed path's (tests/test_batch_stream.py pins those to one pass over the catalogue) on
generated catalogues with bad rows, on lines that are not finite across chunk and window
boundaries, and through the command line; no "large graph" warning."""
from __future__ import annotations

import random
import warnings
from pathlib import Path

import numpy as np
import pytest

from pcf.analysis import batch as batch_module
from pcf.analysis.batch import batch_wide_csv
from pcf.analysis.distributed import dask_outcomes
from pcf.cli import main
from pcf.core.errors import PcfError
from pcf.evaluation.lowering import compile_program
from pcf.plan import compile_method
from test_batch_stream import BAD_CATALOGUE, generated, streamed


@pytest.fixture(scope="module")
def progs(ws):
    return {m: compile_program(compile_method(ws.method(m), ws.kb, ws.units, 2024))
            for m in ("pas2050.production_energy", "gbt24067.electrical")}


@pytest.fixture(scope="module")
def client():
    import dask
    from dask.distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0",
                      silence_logs=40) as cluster, Client(cluster) as c, \
            dask.config.set({"distributed.admin.large-graph-warning-threshold": "20kB"}):
        yield c


def on_dask(path: Path, prog, chunk_rows: int, client, lines: bool = False):
    """What `streamed` gives, with the chunks evaluated on the cluster."""
    try:
        return "ok", "".join(batch_wide_csv(path, prog, chunk_rows, lines,
                                            outcomes=lambda chunks: dask_outcomes(prog, client, chunks)))
    except PcfError as exc:
        return "error", [(d.code, d.message, str(d.span), d.hint) for d in exc.diagnostics]


@pytest.mark.parametrize("seed", range(6))
def test_generated_catalogues_give_the_plain_streams_outcome(progs, client, tmp_path, seed):
    rng = random.Random(seed)
    method = ["pas2050.production_energy", "gbt24067.electrical"][seed % 2]
    prog = progs[method]
    path = tmp_path / "cat.csv"
    path.write_text(generated(rng, prog, rng.randint(20, 120), [0.0, 0.0, 0.02, 0.2][seed % 4]), encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for chunk in (1, 7, 10 ** 6):
            assert on_dask(path, prog, chunk, client, lines=True) == streamed(path, prog, chunk, lines=True)
    assert not [w for w in caught if "large graph" in str(w.message)]


def test_bad_rows_give_the_same_messages(progs, client, tmp_path):
    path = tmp_path / "cat.csv"
    path.write_text(BAD_CATALOGUE, encoding="utf-8")
    prog = progs["pas2050.production_energy"]
    got = on_dask(path, prog, 2, client)
    assert got[0] == "error" and got == streamed(path, prog, 2)


def test_non_finite_lines_across_chunks_and_windows(progs, client, tmp_path, monkeypatch):
    # windows of 4 products (as evaluate_catalogue slices a catalogue), chunks of 3: the first
    # window with a line that is not finite spans two chunks, and both chunks' bad products are named
    prog = progs["pas2050.production_energy"]
    monkeypatch.setattr(batch_module, "CHUNK_CELLS", 4 * prog.size)
    rows = [f"p{i},{'1e308' if i in (5, 6, 7, 13) else '1'},1e10" for i in range(20)]
    path = tmp_path / "cat.csv"
    path.write_text("product,production_electricity [kWh],grid_factor [kgCO2/kWh]\n" + "\n".join(rows) + "\n",
                    encoding="utf-8")
    with np.errstate(over="ignore"):
        plain = streamed(path, prog, 3)
        # the worker processes compute with their own CHUNK_CELLS: the window is the driver's
        # question only when the chunks are evaluated here, so compare at the default window too
        assert plain[0] == "error"
        names = [m for _, m, _, _ in plain[1]]
        assert [n.split("`")[3] for n in names] == ["p5", "p6", "p7"]     # window 4-7, over chunks 3-5 and 6-8
    monkeypatch.undo()
    with np.errstate(over="ignore"):
        assert on_dask(path, prog, 3, client) == streamed(path, prog, 3)


class FakeClient:
    """Futures that are done at once, and a count of those sent and not yet taken back."""

    def __init__(self):
        self.out, self.most = 0, 0

    def scatter(self, data, broadcast=False, hash=True):
        return data

    def scheduler_info(self):
        return {"workers": {"a": {}, "b": {}}}

    def submit(self, fn, *args, pure=True):
        client = self
        client.out += 1
        client.most = max(client.most, client.out)
        value = fn(*args)

        class Future:
            def result(self):
                client.out -= 1
                return value
        return Future()


def test_at_most_two_chunks_per_worker_are_in_flight(progs, tmp_path):
    prog = progs["pas2050.production_energy"]
    path = tmp_path / "cat.csv"
    path.write_text("product,production_electricity [kWh],grid_factor [kgCO2/kWh]\n"
                    + "".join(f"p{i},{i},0.5\n" for i in range(200)), encoding="utf-8")
    fake = FakeClient()
    text = "".join(batch_wide_csv(path, prog, 10, outcomes=lambda chunks: dask_outcomes(prog, fake, chunks)))
    assert text == streamed(path, prog, 10)[1]
    assert fake.most == 4 and fake.out == 0          # 20 chunks, two workers: never more than 4 sent


def test_the_command_streams_a_csv_through_a_local_cluster(ws, here, capsys, recwarn):
    method = "pas2050.production_energy"
    prog = compile_program(compile_method(ws.method(method), ws.kb, ws.units, 2024))
    Path("cat.csv").write_text(generated(random.Random(11), prog, 40, 0.0), encoding="utf-8")
    assert main(["batch", method, "cat.csv", "--data-year", "2024", "--chunk-rows", "6"]) == 0
    plain = capsys.readouterr().out
    assert main(["batch", method, "cat.csv", "--data-year", "2024", "--chunk-rows", "6", "--dask", "-o", "d.csv"]) == 0
    assert Path("d.csv").read_text(encoding="utf-8") == plain
    assert "(40 products)" in capsys.readouterr().err
    assert not [str(w.message) for w in recwarn if "distributed" in w.filename or "dask" in w.filename]

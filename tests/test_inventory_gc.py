"""Inventory loading pauses the cyclic garbage collector (issue 25, target 4).

Right after a compile (which pauses it too), every collection during a large load rescanned
the plan's young objects: 100 000 inputs took 2.2 s in `Inventory.build` and 3.0 s in
`load_inventory`, 0.5 s and 1.2 s paused (bench/inventory_load.py). Speed is not tested here;
that the products are built with the collector paused, and that it is restored, is.
"""
from __future__ import annotations

import gc
from pathlib import Path

import pytest

from pcf.inputs import inventory as inv

ROOT = Path(__file__).resolve().parent.parent
SEED_INVENTORY = ROOT / "examples" / "seed-003-metering-box" / "inventory.toml"
PRODUCTS = [{"id": "A", "quantity": 100, "amounts": "period", "inputs": {"electricity": "1200 kWh"}},
            {"id": "B", "quantity": 5, "amounts": "per_unit", "inputs": {"electricity": "3 kWh"}}]


@pytest.fixture
def collector_seen(monkeypatch):
    """Whether the collector was enabled each time a product was built."""
    seen: list[bool] = []
    real = inv._product

    def product(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(inv, "_product", product)
    return seen


@pytest.mark.parametrize("load", [lambda: inv.Inventory.build(PRODUCTS), lambda: inv.load_inventory(SEED_INVENTORY)],
                         ids=["Inventory.build", "load_inventory"])
def test_products_are_built_with_the_collector_paused_and_it_is_restored(collector_seen, load):
    assert gc.isenabled()
    load()
    assert collector_seen and not any(collector_seen)
    assert gc.isenabled()


def test_a_failed_load_restores_the_collector(collector_seen):
    with pytest.raises(inv.PcfError):
        inv.Inventory.build([{"id": "A", "quantity": "lots"}])
    assert collector_seen == [False] and gc.isenabled()


def test_a_caller_that_paused_the_collector_keeps_it_paused(collector_seen):
    gc.disable()
    try:
        inv.Inventory.build(PRODUCTS)
        assert not gc.isenabled()
    finally:
        gc.enable()

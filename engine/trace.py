"""What evaluating one product used, recorded while it was computed (in the manner of
openfisca-core's tracers): the inventory product as bound (amounts and rows, with their
places), the knowledge-base entry each input given as `kb.<id>` resolved to, and the sources
of every entry the computation read. `explain` reads this; it neither re-reads the inventory
nor looks entries up again after the fact.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping

from .keys import Key

if TYPE_CHECKING:
    from .inventory import Product
    from .kb import Entry, Source


@dataclass(frozen=True)
class Trace:
    product: "Product"                                 # the inventory's product, as bound
    entries: Mapping[Key, "Entry"] = field(default_factory=dict)   # input key -> the kb entry it named
    sources: Mapping[str, "Source"] = field(default_factory=dict)  # source id -> source, every entry used

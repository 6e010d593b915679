"""What evaluating one product used, recorded while it was computed (in the manner of
openfisca-core's tracers): the product's inventory as bound to the plan (its amounts and rows
with their places, the values in base units, the knowledge-base entry each input given as
`kb.<id>` resolved to) and the sources of every entry the computation read. `explain` reads
this instead of re-reading the inventory or looking entries up again; the sensitivity and
uncertainty analyses vary the bound values instead of fitting the inventory to the plan again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping

from ..core.keys import Key

if TYPE_CHECKING:
    from .evaluate import Bound
    from ..inputs.inventory import Product
    from ..knowledge.kbmodel import Entry, Source


@dataclass(frozen=True)
class Trace:
    bound: Bound                                                # the inventory fitted to the plan
    sources: Mapping[str, Source] = field(default_factory=dict)  # source id -> source, every entry used

    @property
    def product(self) -> Product:
        """The inventory's product: amounts and rows as given, with their places."""
        return self.bound.product

    @property
    def entries(self) -> Mapping[Key, Entry]:
        """Input key -> the knowledge-base entry an input given as `kb.<id>` resolved to."""
        return self.bound.kb_entries

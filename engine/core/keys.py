"""Graph keys: what names a node of a plan (an input, a table, a let, an emission, a
knowledge-base value), a table column, or a declaration a variant overrides.

A key has a kind, a name and, for a knowledge-base value pinned to a year, a year. It is
written `kind:name` or `kb:<id>@<year>`, the text results, sensitivity tables and callers of
`Program.run` have always used; the text is the key's identity (hash, equality, order), so a
plain string such as `"input:power"` still finds a value. Only this module reads or writes
that text.

    >>> k = Key.kb("cn.grid", 2024)
    >>> k, k.kind, k.name, k.year, k.shown
    ('kb:cn.grid@2024', 'kb', 'cn.grid', 2024, 'cn.grid@2024')
    >>> Key.parse("input:power") == Key.input("power") == "input:power"
    True

Why a `str` subclass and not a tuple: plans of 10 000 formulas hash and compare keys some
hundred thousand times while compiling, and the topological order sorts ties by the text.
A string hashes once (CPython caches it) and sorts as the text; a tuple would hash on every
lookup and need a sort key everywhere an order is taken.
"""
from __future__ import annotations

# Kinds of graph node, and of the other things a key names.
INPUT, TABLE, LET, EMISSION, KB = "input", "table", "let", "emission", "kb"
COLUMN, STAGE = "column", "stage"
MAP = "map"   # a lookup map: a graph node between its values' factors and the formulas reading it
# Declarations a variant may override (see inherit.py): settings, stages, rules and named values.
SETTING, RULE, NAME = "setting", "rule", "name"
CHECK, SCENARIO = "check", "scenario"


def kind_of(key: str) -> str:
    """The kind of a key, or of a key's text (callers of `Program.run` may pass plain strings)."""
    return key[:key.index(":")]


class Key(str):
    __slots__ = ()

    def __new__(cls, kind: str, name: str, year: int | None = None) -> "Key":
        return str.__new__(cls, f"{kind}:{name}" if year is None else f"{kind}:{name}@{year}")

    def __getnewargs__(self):   # pickling (kernels shipped to worker processes)
        return self.kind, self.name, self.year

    @classmethod
    def parse(cls, text: str) -> "Key":
        """The key a `kind:name` (or `kb:<id>@<year>`) text stands for."""
        if isinstance(text, Key):
            return text
        kind, sep, rest = text.partition(":")
        if not sep or not kind or not rest:
            raise ValueError(f"not a key: {text!r}")
        if kind == KB and "@" in rest:
            ident, _, year = rest.rpartition("@")
            return cls(kind, ident, int(year))
        return cls(kind, rest)

    # --- the parts ------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return self[:self.index(":")]

    @property
    def shown(self) -> str:
        """The key without its kind, as messages name it: `power`, `cn.grid@2024`."""
        return self[self.index(":") + 1:]

    @property
    def name(self) -> str:
        """The declared name, the knowledge-base id (without a year), or `table.column`."""
        shown = self.shown
        return shown.rpartition("@")[0] if self.startswith("kb:") and "@" in shown else shown

    @property
    def year(self) -> int | None:
        shown = self.shown
        return int(shown.rpartition("@")[2]) if self.startswith("kb:") and "@" in shown else None

    def is_a(self, *kinds: str) -> bool:
        """Whether the key is of one of `kinds`."""
        return self[:self.index(":")] in kinds

    # --- the constructors -----------------------------------------------------------------
    # (each writes its text itself: plans make tens of thousands of keys)
    @classmethod
    def input(cls, name: str) -> "Key":
        return str.__new__(cls, "input:" + name)

    @classmethod
    def table(cls, name: str) -> "Key":
        return str.__new__(cls, "table:" + name)

    @classmethod
    def let(cls, name: str) -> "Key":
        return str.__new__(cls, "let:" + name)

    @classmethod
    def emission(cls, name: str) -> "Key":
        return str.__new__(cls, "emission:" + name)

    @classmethod
    def kb(cls, ident: str, year: int | None = None) -> "Key":
        return str.__new__(cls, "kb:" + ident if year is None else f"kb:{ident}@{year}")

    @classmethod
    def column(cls, table: str, column: str) -> "Key":
        return cls(COLUMN, f"{table}.{column}")

    @classmethod
    def stage(cls, name: str) -> "Key":
        return cls(STAGE, name)

"""Nodes from lark's parse tree, through the same handlers the table-driven parse calls (build.py).

Used when the table-driven parse refuses a text (lark's parse explains the error; should the two
ever disagree, lark's tree still gives the right nodes) and by the tests that compare the two.
Kept apart from build.py so that parsing well-formed text imports no lark.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from lark import Token, Tree
from lark.exceptions import VisitError
from lark.visitors import Transformer_NonRecursive

from ..core.errors import PcfError
from . import lalr

if TYPE_CHECKING:
    from .build import _Builder


def build_from_tree(builder: _Builder, tree: Tree):
    """Nodes from a lark parse tree: the reference the table-driven parse is tested against."""
    try:
        return _FromTree(builder).transform(tree)
    except VisitError as exc:
        # lark wraps whatever a builder method raises; a PcfError is the user's, not a crash.
        if isinstance(exc.orig_exc, PcfError):
            raise exc.orig_exc from None
        raise


class _FromTree(Transformer_NonRecursive):
    def __init__(self, builder: _Builder):
        super().__init__()
        self.handlers = builder.handlers()

    def __default__(self, data, children, meta):
        kids = [lalr.Word(c.type, str(c), c.start_pos, c.end_pos) if isinstance(c, Token) else c
                for c in children]
        if getattr(meta, "empty", True):
            return self.handlers[data](None, None, kids)
        return self.handlers[data](meta.start_pos, meta.end_pos, kids)

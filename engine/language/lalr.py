"""A table-driven run of lark's LALR(1) parser for `grammar/pcf.lark`, building nodes as it goes.

lark analyses the grammar (terminals, rules, the LALR table); this module only drives that
table. lark's own runtime builds a parse tree through layers of generic callbacks and then
walks it again to build nodes: ~1.5 s of a 10 000-formula method (bench/README.md). Here one
loop lexes, shifts and reduces, and each reduction calls the builder directly with the
children lark's tree would have had (anonymous tokens dropped, `_helper` rules spliced,
`?rule`s with one child passed through) and the start and end offsets that lark's
`propagate_positions` would have given.

Only well-formed text is parsed here: at the first token the table refuses, `Refused` is
raised and the caller re-parses with lark, whose exceptions carry what the diagnostics
need. The lexer follows lark's contextual lexer: in each parser state only the terminals
that state accepts are tried, in lark's priority order, and a keyword that a name pattern
also matches is lexed as the name and then retyped (so `in` is a keyword only where a
keyword may stand).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:    # the tables are derived from a lark parser; running them needs no lark
    from lark import Lark


class Refused(Exception):
    """The table has no action for the text at `pos`: lark's parse says why."""

    def __init__(self, pos: int):
        super().__init__(pos)
        self.pos = pos


class Word:
    """A kept token: its terminal, its text and its offsets (end exclusive)."""
    __slots__ = ("type", "text", "start", "end")

    def __init__(self, type: str, text: str, start: int, end: int):
        self.type, self.text, self.start, self.end = type, text, start, end

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Word({self.type}, {self.text!r}, {self.start}, {self.end})"


@dataclass(frozen=True)
class Reduction:
    """What reducing by one grammar rule does."""
    size: int                    # symbols popped
    goto: str                    # the rule's nonterminal
    kept: tuple[tuple[int, int], ...]   # (index, how): 0 a node, 1 a token, 2 spliced `_helper` children
    name: str | None             # the builder's handler; None for a `_helper` rule (its children, a list)
    expand1: bool                # a `?rule`: one child is passed through
    unit: bool                   # a `?rule` of exactly one nonterminal: nothing to do but the goto


@dataclass(frozen=True)
class Tables:
    actions: tuple[dict[str, int], ...]   # per state: symbol -> next state (>= 0) or ~rule (< 0)
    reductions: tuple[Reduction, ...]
    # per state: the lexer's expression, further expressions tried in turn when it finds nothing
    # (see `_lexer`), and the retypes
    lexers: tuple[tuple[LazyPattern, tuple[LazyPattern, ...], dict[str, dict[str, str]]], ...]
    skip: re.Pattern                      # what is ignored between tokens (spaces, comments)
    starts: dict[str, tuple[int, int]]    # start symbol -> (start state, end state)


def tables(parser: Lark) -> Tables:
    """The LALR table and per-state lexers of a `parser="lalr"` lark parser, as plain data."""
    starts: dict[str, tuple[int, int]] = {}
    states: dict = {}
    for start in parser.options.start:
        conf = parser.parse_interactive(start=start).parser_state.parse_conf
        starts[start] = (conf.start_state, conf.end_state)
        states = conf.states
    rules: dict[Any, int] = {}
    actions: list[dict[str, int]] = [{} for _ in range(max(states) + 1)]
    for state, row in states.items():
        for symbol, (action, arg) in row.items():
            if action.name == "Shift":
                actions[state][symbol] = arg
            else:
                actions[state][symbol] = ~rules.setdefault(arg, len(rules))
    reductions = tuple(_reduction(rule) for rule in sorted(rules, key=rules.get))
    by_name = {t.name: t for t in parser.terminals}
    ignored = [by_name[name] for name in parser.lexer_conf.ignore]   # also set on a loaded parser
    # possessive: a token that fails after a run of spaces must not retry shorter runs
    # (nested repetitions would backtrack exponentially)
    skip = "(?:" + "|".join(t.pattern.to_regexp() for t in ignored) + ")*+"
    lexer_of: dict[frozenset[str], tuple] = {}
    shared: dict[str, LazyPattern] = {}    # one pattern per expression, whichever states use it
    lexers = []
    for row in actions:
        accepts = frozenset(s for s in row if s in by_name)
        if accepts not in lexer_of:
            lexer_of[accepts] = _lexer([by_name[s] for s in accepts], skip, shared)
        lexers.append(lexer_of[accepts])
    return Tables(tuple(actions), reductions, tuple(lexers), re.compile(skip), starts)


def _reduction(rule) -> Reduction:
    kept = []
    for i, sym in enumerate(rule.expansion):
        if sym.is_term:
            if rule.options.keep_all_tokens or not sym.filter_out:
                kept.append((i, 1))
        else:
            kept.append((i, 2 if sym.name.startswith("_") else 0))
    helper = rule.origin.name.startswith("_")
    expand1 = bool(rule.options.expand1) and not rule.alias
    unit = expand1 and len(rule.expansion) == 1 and kept == [(0, 0)]
    name = None if helper else str(rule.alias or rule.options.template_source or rule.origin.name)
    return Reduction(len(rule.expansion), str(rule.origin.name), tuple(kept), name, expand1, unit)


# A terminal whose expression holds characters past Latin-1 (UNIT's CJK ranges): Python's regex
# compiler visits every code point of such a range, so compiling UNIT takes ~7 ms, and it was
# compiled again in each of the four lexer states that accept a unit (seed 003's run: two, 14 ms).
_COSTLY = re.compile(r"\\u[0-9a-fA-F]{4}|[^\x00-\xff]")


def _lexer(terminals, skip: str, shared: dict[str, LazyPattern]) -> tuple[LazyPattern, tuple[LazyPattern, ...],
                                                                         dict[str, dict[str, str]]]:
    # lark's order: priority, then the longest possible match, then the longest literal
    ordered = sorted(terminals, key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name))
    literals = [t for t in ordered if t.pattern.type == "str"]
    if any(t.pattern.flags for t in literals):
        raise ValueError("keywords with flags are not supported by the table-driven parse")
    retype: dict[str, dict[str, str]] = {}
    embedded: set[str] = set()
    for pat in (t for t in ordered if t.pattern.type == "re"):
        for lit in literals:
            m = re.match(pat.pattern.to_regexp(), lit.pattern.value)
            if lit.priority == pat.priority and m is not None and m.group(0) == lit.pattern.value:
                retype.setdefault(pat.name, {}).setdefault(lit.pattern.value, lit.name)
                embedded.add(lit.name)
    # The alternatives in lark's order, cut around each costly terminal: trying the pieces in
    # turn finds what one alternation of them all finds (the first alternative that matches;
    # the possessive skip is the same run of ignored text each time), and a costly terminal's
    # piece is the same expression in every state, compiled once.
    pieces: list[list] = []
    for t in (t for t in ordered if t.name not in embedded):
        if not pieces or _costly(t) or _costly(pieces[-1][-1]):
            pieces.append([t])
        else:
            pieces[-1].append(t)
    # Ignored text is skipped by the same match; it never starts a token in this grammar, so
    # skipping it first finds the token lark's lexer would find after its ignored tokens.
    sources = [f"{skip}(?:{'|'.join(f'(?P<{t.name}>{t.pattern.to_regexp()})' for t in piece)})" for piece in pieces]
    sources = sources or [f"{skip}(?:(?!))"]     # a state that takes only the end of the text
    patterns = [shared.setdefault(s, LazyPattern(s)) for s in sources]
    return patterns[0], tuple(patterns[1:]), retype


def _costly(t) -> bool:
    return _COSTLY.search(t.pattern.to_regexp()) is not None


class LazyPattern:
    """A state's lexer, compiled the first time the parse reaches that state: a method visits
    about 16 of the grammar's 40 lexer states, and compiling all of them took 40-60 ms of every
    start. After the first call `match` is the compiled pattern's own method, so the parse loop
    pays nothing for the deferral."""
    __slots__ = ("source", "match")

    def __init__(self, source: str):
        self.source = source
        self.match = self._compile_and_match

    @classmethod
    def of(cls, pattern: re.Pattern) -> "LazyPattern":
        """An already compiled pattern (made from its kept program: tablecache.py)."""
        lazy = cls(pattern.pattern)
        lazy.match = pattern.match
        return lazy

    def _compile_and_match(self, text: str, pos: int):
        self.match = re.compile(self.source).match
        return self.match(text, pos)

    def compiled(self) -> re.Pattern:
        """The compiled pattern (compiled now if it was not)."""
        owner = getattr(self.match, "__self__", None)
        return owner if isinstance(owner, re.Pattern) else re.compile(self.source)

    def __eq__(self, other) -> bool:
        return isinstance(other, LazyPattern) and other.source == self.source

    def __hash__(self) -> int:
        return hash(self.source)


Handler = Callable[[int | None, int | None, list], Any]


def run(t: Tables, text: str, start: str, handlers: dict[str, Handler]) -> Any:
    """Parse `text` from `start`, calling `handlers[name](start, end, children)` per reduction."""
    actions, reductions, lexers = t.actions, t.reductions, t.lexers
    # one string object per distinct token text of this parse: a name is written at its
    # declaration and at every use (a table of the parse's own, not sys.intern: Python 3.12
    # keeps interned strings for ever, and an editor's language server parses all day)
    same = {}
    intern = same.setdefault
    chains: dict[tuple[int, int, str], int] = {}
    call = [None if r.name is None or r.unit else handlers.get(r.name) for r in reductions]
    state, end_state = t.starts[start]
    states, values, starts, ends = [state], [], [], []
    pos, n = 0, len(text)
    while True:
        pattern, more, retype = lexers[states[-1]]
        m = pattern.match(text, pos)
        if m is None and more:
            for pattern in more:
                m = pattern.match(text, pos)
                if m is not None:
                    break
        if m is not None:
            kind = m.lastgroup
            pos, tok_end = m.start(m.lastindex), m.end()
            if kind in retype:
                kind = retype[kind].get(text[pos:tok_end], kind)
        else:
            pos = t.skip.match(text, pos).end()
            if pos < n:
                raise Refused(pos)
            kind = "$END"
        while True:
            a = actions[states[-1]].get(kind)
            if a is None:
                raise Refused(pos)
            if a >= 0:
                states.append(a)
                values.append(kind)
                starts.append(pos)
                ends.append(tok_end)
                pos = tok_end
                break
            r = reductions[~a]
            if r.unit:
                # `?expr: term` and its kin: the child stands for the rule, with its own offsets.
                # Such reductions come in chains (a name is an atom, a power, a product, a sum...)
                # that leave the stack below alone: where a chain ends depends only on the state
                # below, the state on top and the token, so each chain is walked once a parse
                key = (states[-2], states[-1], kind)
                top = chains.get(key)
                if top is None:
                    top = chains[key] = _unit_chain(actions, reductions, key, end_state)
                states[-1] = top
            else:
                size = r.size
                base = len(values) - size
                first = starts[base] if size else None
                if first is None:   # an empty first child has no offsets: the next one's
                    first = next((p for p in starts[base:] if p is not None), None)
                last = ends[-1] if size else None
                if last is None:
                    last = next((p for p in reversed(ends[base:]) if p is not None), None)
                kids: list = []
                for i, how in r.kept:
                    j = base + i
                    if how == 0:
                        kids.append(values[j])
                    elif how == 1:
                        at, to = starts[j], ends[j]
                        word = text[at:to]
                        kids.append(Word(values[j], intern(word, word), at, to))
                    elif kids:
                        kids.extend(values[j])
                    else:
                        # a `_helper` list is referenced by nothing else: grow it in place, or
                        # `item*` would copy its list at every item (quadratic)
                        kids = values[j]
                if r.name is None:
                    value = kids
                elif r.expand1 and len(kids) == 1:
                    value = kids[0]
                    if isinstance(value, Word):   # lark keeps a passed-through token's own offsets
                        first, last = value.start, value.end
                else:
                    value = call[~a](first, last, kids)
                if size:
                    del states[base + 1:], values[base:], starts[base:], ends[base:]
                states.append(actions[states[-1]][r.goto])
                values.append(value)
                starts.append(first)
                ends.append(last)
            if kind == "$END" and states[-1] == end_state:
                return values[-1]


def _unit_chain(actions, reductions, key: tuple[int, int, str], end_state: int) -> int:
    """The state on top after the `?rule` (unit) reductions that `kind` sets off from `top` over
    `below`, one after another as `run` would make them: up to the first action that is not one
    (a shift, another reduction, none), or the end of the parse."""
    below, top, kind = key
    while True:
        top = actions[below][reductions[~actions[top][kind]].goto]
        if kind == "$END" and top == end_state:
            return top
        a = actions[top].get(kind)
        if a is None or a >= 0 or not reductions[~a].unit:
            return top

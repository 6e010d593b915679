"""JSON text -> (value, where each value starts), for messages that point into a received document.

`json.loads` keeps no positions. This scanner walks the same grammar once and records the line
and column of every value by its path (`(0, "pcf", "fossilGhgEmissions")`), then the value itself
is taken from `json.loads` (so what is accepted is exactly what the standard library accepts).
Depth is bounded by the explicit stack, not by recursion.
"""
from __future__ import annotations

import json
import re

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")
_SPACE = re.compile(r"[ \t\n\r]*")

Path = tuple   # of str keys and int indexes


def load_with_positions(text: str) -> tuple[object, dict[Path, tuple[int, int]]]:
    """The parsed document and {path: (line, column)}; ValueError (json's) when it is not JSON."""
    value = json.loads(text)
    return value, _positions(text)


def _positions(text: str) -> dict[Path, tuple[int, int]]:
    lines = [0]
    for m in re.finditer("\n", text):
        lines.append(m.end())

    def at(offset: int) -> tuple[int, int]:
        lo, hi = 0, len(lines) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if lines[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - lines[lo] + 1

    out: dict[Path, tuple[int, int]] = {}
    i = _SPACE.match(text, 0).end()
    # stack of (container kind, path, next index or None) for arrays/objects being read
    stack: list[list] = []
    path: Path = ()
    expect_value = True
    while i < len(text):
        c = text[i]
        if expect_value:
            out[path] = at(i)
            if c == "{":
                stack.append(["o", path])
                i = _SPACE.match(text, i + 1).end()
                if text[i] == "}":
                    stack.pop()
                    i += 1
                    expect_value = False
                    continue
                m = _STRING.match(text, i)
                key = json.loads(m.group(0))
                i = _SPACE.match(text, m.end()).end() + 1      # past ':'
                i = _SPACE.match(text, i).end()
                path = (*stack[-1][1], key)
                continue
            if c == "[":
                stack.append(["a", path, 0])
                i = _SPACE.match(text, i + 1).end()
                if text[i] == "]":
                    stack.pop()
                    i += 1
                    expect_value = False
                    continue
                path = (*stack[-1][1], 0)
                continue
            m = _STRING.match(text, i) if c == '"' else _SCALAR.match(text, i)
            i = m.end()
            expect_value = False
            continue
        i = _SPACE.match(text, i).end()
        if i >= len(text) or not stack:
            break
        top = stack[-1]
        c = text[i]
        if c == ",":
            i = _SPACE.match(text, i + 1).end()
            if top[0] == "a":
                top[2] += 1
                path = (*top[1], top[2])
            else:
                m = _STRING.match(text, i)
                key = json.loads(m.group(0))
                i = _SPACE.match(text, m.end()).end() + 1
                i = _SPACE.match(text, i).end()
                path = (*top[1], key)
            expect_value = True
        else:   # '}' or ']' closes the container, which was itself a value
            stack.pop()
            i += 1
            path = top[1]
    return out

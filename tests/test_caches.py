"""The caches (kbcache.py, pintcache.py, cachefiles.py): keyed on content, never a source of
code or of figures, owner-only, atomic, and rebuilt from whatever is wrong with them."""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import pcf
from pcf.files import cachefiles
from pcf.knowledge import kbcache
from pcf.knowledge import kb as kbmod
from pcf.knowledge.kb import DEFAULT_KB_DIR, load_kb
from pcf.core.units import load_units

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "seed-003-metering-box"
SEEDS = sorted(p for p in (ROOT / "examples").iterdir() if (p / "case.toml").is_file())
CFP = Path("electricity") / "cn_cfp.toml"
# Seed 003 uses kb.cn.electricity.cfp.national (2024 value 0.5777 kgCO2e/kWh, by fallback from
# 2025) for 56.8120 + 13.1967 + 2.3750 = 72.3837 kWh of electricity. Writing 0.9777 instead
# (same length) adds 0.4000 x 72.3837 = 28.9535 kgCO2e: 64.2253 + 28.9535 = 93.1788.
OLD_VALUE, NEW_VALUE = "value = 0.5777\n", "value = 0.9777\n"
TOTAL, EDITED_TOTAL = 64.2253, 93.1788


@pytest.fixture
def kb_copy(tmp_path) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(DEFAULT_KB_DIR, root)
    return root


def seed_total(ws, kb_root: Path, cache: Path | None) -> float:
    kb = load_kb(kb_root, ws.units, cache=cache is not None, cache_dir=cache)
    result = pcf.Workspace(ws.units, kb, ws.methods_dir).run_case(SEED)
    return round(result.products[0].total, 4)


def no_parsing(monkeypatch):
    def fail(*_):
        raise AssertionError("parsed the TOML although the cache is valid")
    monkeypatch.setattr(kbmod, "_load", fail)


def the_cache_file(cache: Path) -> Path:
    (path,) = cache.glob("kb-*.json")
    return path


# --- keyed on content ------------------------------------------------------------------------

def test_a_same_size_edit_with_the_old_mtime_is_seen(ws, kb_copy, tmp_path):
    cache = tmp_path / "cache"
    assert seed_total(ws, kb_copy, cache) == TOTAL
    path = kb_copy / CFP
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    assert text.count(OLD_VALUE) == 1
    path.write_text(text.replace(OLD_VALUE, NEW_VALUE), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))   # as git, rsync and unpacked archives leave it
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    assert seed_total(ws, kb_copy, cache) == EDITED_TOTAL == seed_total(ws, kb_copy, None)


def no_hashing(monkeypatch) -> list[int]:
    """Count the loads that read and hash the files (the content key)."""
    hashed: list[int] = []
    real = kbcache._stamp
    monkeypatch.setattr(kbcache, "_stamp", lambda *a: hashed.append(1) or real(*a))
    return hashed


def test_unchanged_files_are_not_read_to_trust_the_cache(ws, kb_copy, tmp_path, monkeypatch):
    """The files' status (size, times, inode) as recorded: the cache is used without hashing
    8 MB of TOML; outside the racy window only (RACY_NS 0 stands for a load seconds later)."""
    cache = tmp_path / "cache"
    assert seed_total(ws, kb_copy, cache) == TOTAL                  # written: status recorded
    hashed = no_hashing(monkeypatch)
    assert seed_total(ws, kb_copy, cache) == TOTAL and hashed == [1]   # copied just now: racy, hashed
    monkeypatch.setattr(kbcache, "RACY_NS", 0)
    no_parsing(monkeypatch)
    assert seed_total(ws, kb_copy, cache) == TOTAL and hashed == [1]      # later: trusted, not hashed
    os.utime(kb_copy / CFP)                 # touched: new times, the same bytes
    assert seed_total(ws, kb_copy, cache) == TOTAL and hashed == [1, 1]   # hashed, still valid ...
    assert seed_total(ws, kb_copy, cache) == TOTAL and hashed == [1, 1]   # ... and its status renewed


def test_an_edit_that_keeps_size_and_mtime_changes_the_status_and_is_seen(ws, kb_copy, tmp_path, monkeypatch):
    # outside the racy window, only the change time (set by the kernel on the write and the
    # utime) and the hash tell this edit apart
    monkeypatch.setattr(kbcache, "RACY_NS", 0)
    cache = tmp_path / "cache"
    assert seed_total(ws, kb_copy, cache) == TOTAL
    path = kb_copy / CFP
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(OLD_VALUE, NEW_VALUE), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    assert path.stat().st_ctime_ns != st.st_ctime_ns
    hashed = no_hashing(monkeypatch)
    assert seed_total(ws, kb_copy, cache) == EDITED_TOTAL and hashed == [1]


def test_a_file_added_or_removed_is_seen(ws, kb_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(kbcache, "RACY_NS", 0)
    cache = tmp_path / "cache"
    assert seed_total(ws, kb_copy, cache) == TOTAL
    cfp = (kb_copy / CFP).read_text(encoding="utf-8")
    (kb_copy / CFP).unlink()
    with pytest.raises(pcf.PcfError):        # the seed's factor is gone: the files decide
        seed_total(ws, kb_copy, cache)
    (kb_copy / "electricity" / "moved.toml").write_text(cfp.replace(OLD_VALUE, NEW_VALUE), encoding="utf-8")
    assert seed_total(ws, kb_copy, cache) == EDITED_TOTAL


def test_the_cache_serves_any_working_directory_with_paths_shown_from_it(ws, kb_copy, tmp_path, monkeypatch):
    """Entries' files are stored relative to the KB folder: a load from another working
    directory uses the same cache file (no parsing) and shows paths relative to where it runs."""
    cache = tmp_path / "cache"
    (tmp_path / "a").mkdir()
    monkeypatch.chdir(tmp_path)
    first = load_kb(kb_copy, ws.units, cache_dir=cache)
    monkeypatch.chdir(tmp_path / "a")
    no_parsing(monkeypatch)
    again = load_kb(kb_copy, ws.units, cache_dir=cache)
    e1, e2 = first.by_id["cn.electricity.cfp.national"][0], again.by_id["cn.electricity.cfp.national"][0]
    # outside the working directory a path is shown whole, as an uncached load shows it
    assert e1.span.path == "kb/electricity/cn_cfp.toml" and e2.span.path == str(kb_copy / CFP)
    assert (e1.span.line, e1.value) == (e2.span.line, e2.value)
    assert len(list(cache.glob("kb-*.json"))) == 1


def test_the_cache_is_owner_only(ws, kb_copy, tmp_path):
    cache = tmp_path / "cache"
    load_kb(kb_copy, ws.units, cache_dir=cache)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    for p in cache.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p.name


# --- planted files -----------------------------------------------------------------------------

class Evil:
    """Unpickling this runs a shell command that leaves a marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def split(payload: bytes) -> tuple[dict, dict[str, list]]:
    """A cache's header and each id's rows (kbcache's format: a header line, then the rows)."""
    head, body = payload.split(b"\n", 1)
    header = json.loads(head)
    starts = [0, *header["ends"]]
    return header, {i: json.loads(body[a:b]) for i, a, b in zip(header["ids"], starts, header["ends"])}


def joined(header: dict, rows: dict[str, list]) -> tuple[bytes, bytes]:
    """A cache's header line and body, with every id's rows a block of its own and its digest."""
    chunks = [json.dumps(rows[i], ensure_ascii=False).encode("utf-8") for i in header["ids"]]
    ends, blocks, at = [], [], 0
    for c in chunks:
        at += len(c)
        ends.append(at)
        blocks.append([at, hashlib.sha256(c).hexdigest()])
    return json.dumps({**header, "ends": ends, "blocks": blocks}).encode("utf-8"), b"".join(chunks)


def sealed(path: Path, key: bytes, parts: tuple[bytes, bytes]) -> None:
    assert cachefiles.write_sealed_head(path, key, *parts)


def forged(cache: Path) -> tuple[bytes, bytes]:
    """The real cache content with the electricity factor raised, as valid JSON (its digest too)."""
    header, rows = split(the_cache_file(cache).read_bytes()[32:])   # past the seal
    value = header["row"].index("value")
    hits = [r for r in rows["cn.electricity.cfp.national"] if r[value] == 0.5777]
    assert len(hits) == 1
    hits[0][value] = 0.9777
    return joined(header, rows)


PLANTS = {
    "a pickle that runs code": lambda cache, marker: pickle.dumps(Evil(marker)),
    "garbage": lambda cache, marker: b"\x80\x04garbage" * 100,
    "empty": lambda cache, marker: b"",
    "forged JSON, no seal": lambda cache, marker: b"\n".join(forged(cache)),
    "forged JSON, sealed with another key": lambda cache, marker: cachefiles._seal(os.urandom(32), forged(cache)[0])
                                                                  + b"\n".join(forged(cache)),
    "truncated": lambda cache, marker: the_cache_file(cache).read_bytes()[:1000],
}


@pytest.mark.parametrize("plant", sorted(PLANTS))
def test_a_planted_kb_cache_file_is_ignored_and_rebuilt(ws, kb_copy, tmp_path, monkeypatch, plant):
    cache, marker = tmp_path / "cache", tmp_path / "ran"
    assert seed_total(ws, kb_copy, cache) == TOTAL
    the_cache_file(cache).write_bytes(PLANTS[plant](cache, marker))
    assert seed_total(ws, kb_copy, cache) == TOTAL
    assert not marker.exists()
    no_parsing(monkeypatch)   # rebuilt: the next load reads the cache again
    assert seed_total(ws, kb_copy, cache) == TOTAL


def test_a_sealed_file_of_the_wrong_shape_is_rebuilt(ws, kb_copy, tmp_path):
    """Sealed with the right key (as a future pcf version might write) yet not this format, or
    with a wrong type in a field: checked field by field, then rebuilt."""
    cache = tmp_path / "cache"
    good = load_kb(kb_copy, ws.units, cache_dir=cache)
    key = cachefiles.cache_key(cache)
    path = the_cache_file(cache)
    header, rows = split(path.read_bytes()[32:])
    value = header["row"].index("value")
    text_value = {i: [[*r[:value], "1", *r[value + 1:]] for r in rs] if i == "cn.electricity.cfp.national" else rs
                  for i, rs in rows.items()}
    short_row = {i: [r[:-1] for r in rs] if i == "cn.electricity.cfp.national" else rs for i, rs in rows.items()}
    head, body = joined(header, rows)
    for bad in (joined({**header, "format": 99}, rows), joined(header, text_value), joined(header, short_row),
                (json.dumps([1, 2, 3]).encode(), b""), joined({k: v for k, v in header.items() if k != "files"}, rows),
                (head, body[:-10]), (head, body[:-10] + b"]]]]]]]]]]")):     # cut short; a block unlike its digest
        sealed(path, key, bad)
        assert load_kb(kb_copy, ws.units, cache_dir=cache) == good
        assert json.loads(path.read_bytes()[32:].split(b"\n", 1)[0])["format"] == kbcache.FORMAT


def test_a_damaged_row_found_at_lookup_reads_the_files_and_rewrites_the_cache(ws, kb_copy, tmp_path, monkeypatch):
    """An id's rows are checked when it is first looked up: a row of the wrong type there makes the
    whole knowledge base be read from its files (the figure is the file's, never the row's)."""
    cache = tmp_path / "cache"
    assert seed_total(ws, kb_copy, cache) == TOTAL
    path = the_cache_file(cache)
    header, rows = split(path.read_bytes()[32:])
    value = header["row"].index("value")
    for r in rows["cn.electricity.cfp.national"]:
        r[value] = str(r[value])            # "0.5777": a string where a number belongs
    sealed(path, cachefiles.cache_key(cache), joined(header, rows))
    parsed = []
    real = kbmod._load
    monkeypatch.setattr(kbmod, "_load", lambda *a: parsed.append(1) or real(*a))
    kb = load_kb(kb_copy, ws.units, cache_dir=cache)
    assert parsed == []                                          # the header was fine
    assert kb.lookup("cn.electricity.cfp.national", 2024).entry.value == 0.5777 and parsed == [1]
    assert kb == load_kb(kb_copy, ws.units, cache=False)
    _, again = split(path.read_bytes()[32:])                      # rewritten: the next load needs no files
    assert all(type(r[value]) is float for r in again["cn.electricity.cfp.national"])
    no_parsing(monkeypatch)
    assert seed_total(ws, kb_copy, cache) == TOTAL


ID = "cn.electricity.cfp.national"


def _block_of(path: Path, ident: str) -> tuple[int, int]:
    """Where in the file the block holding `ident`'s rows lies (as the cache wrote it)."""
    raw = path.read_bytes()
    nl = raw.index(b"\n", 32)
    header = json.loads(raw[32:nl])
    i = header["ids"].index(ident)
    start = header["ends"][i - 1] if i else 0
    ends = [end for end, _ in header["blocks"]]
    b = next(k for k, end in enumerate(ends) if end > start)
    return nl + 1 + (ends[b - 1] if b else 0), nl + 1 + ends[b]


def test_a_load_reads_the_header_and_a_lookup_the_block_it_needs(ws, kb_copy, tmp_path, monkeypatch):
    """Only the header is read and sealed at load (all 6 MB took ~9 ms of every start); an id's
    block is read, and checked against its digest, when the id is first looked up."""
    cache = tmp_path / "cache"
    good = load_kb(kb_copy, ws.units, cache_dir=cache)
    size = the_cache_file(cache).stat().st_size
    read: list[tuple[int, int]] = []
    real = kbcache.read_private_range
    monkeypatch.setattr(kbcache, "read_private_range", lambda p, start, n: read.append((start, n)) or real(p, start, n))
    no_parsing(monkeypatch)
    kb = load_kb(kb_copy, ws.units, cache_dir=cache)
    assert read == []
    assert kb.lookup(ID, 2024).entry.value == 0.5777
    (start, n), = read
    assert (start, start + n) == _block_of(the_cache_file(cache), ID)
    assert kbcache.BLOCK <= n < 4 * kbcache.BLOCK < size / 10       # a block, not the body
    kb.lookup(ID, 2024)
    assert len(read) == 1                                             # read once
    assert kb == good


@pytest.mark.parametrize("when", ["before the load", "between the load and the lookup"])
def test_a_block_unlike_its_digest_reads_the_files(ws, kb_copy, tmp_path, monkeypatch, when):
    """A byte of the body changed under a sealed header (in place, or by a file written between
    the load and the lookup): the block fails its digest and the files are read; the figure is
    theirs, never the changed row's."""
    cache = tmp_path / "cache"
    assert seed_total(ws, kb_copy, cache) == TOTAL
    path = the_cache_file(cache)
    raw = bytearray(path.read_bytes())
    start, end = _block_of(path, ID)
    at = raw.index(b"0.5777", start, end)
    raw[at:at + 6] = b"0.9777"                 # still valid JSON, still a number: only the digest tells
    parsed = []
    real = kbmod._load
    monkeypatch.setattr(kbmod, "_load", lambda *a: parsed.append(1) or real(*a))
    if when == "before the load":
        path.write_bytes(bytes(raw))
        kb = load_kb(kb_copy, ws.units, cache_dir=cache)
    else:
        kb = load_kb(kb_copy, ws.units, cache_dir=cache)
        path.write_bytes(bytes(raw))
    assert parsed == []                                          # the header was fine
    assert kb.lookup(ID, 2024).entry.value == 0.5777 and parsed == [1]
    assert kb == load_kb(kb_copy, ws.units, cache=False)


def test_a_sealed_head_is_one_line_and_only_its_key_opens_it(tmp_path):
    key, path = cachefiles.cache_key(tmp_path / "c"), tmp_path / "c" / "f"
    with pytest.raises(ValueError):
        cachefiles.write_sealed_head(path, key, b"two\nlines", b"")
    big = json.dumps({"x": "y" * 600_000}).encode()      # longer than the first read: read on
    assert cachefiles.write_sealed_head(path, key, big, b"body")
    assert cachefiles.read_sealed_head(path, key) == (big, 32 + len(big) + 1, 32 + len(big) + 1 + 4)
    assert cachefiles.read_sealed_head(path, os.urandom(32)) is None
    assert cachefiles.read_private_range(path, 32 + len(big) + 1, 4) == b"body"
    assert cachefiles.read_private_range(path, 32 + len(big) + 1, 5) is None      # past the end
    path.write_bytes(path.read_bytes()[:1000])                                      # no end of line
    assert cachefiles.read_sealed_head(path, key) is None


@pytest.mark.parametrize("how", ["group-writable", "world-writable", "another owner", "a symlink"])
def test_a_cache_file_others_could_have_written_is_ignored(ws, kb_copy, tmp_path, monkeypatch, how):
    cache = tmp_path / "cache"
    assert seed_total(ws, kb_copy, cache) == TOTAL
    path = the_cache_file(cache)
    key = cachefiles.cache_key(cache)
    sealed(path, key, forged(cache))   # well sealed, forged: only its owner could write it
    assert seed_total(ws, kb_copy, cache) != TOTAL       # (the key's owner is trusted, as with any of their files)
    if how == "a symlink":
        real = tmp_path / "elsewhere.json"
        path.rename(real)
        path.symlink_to(real)
    elif how == "another owner":   # (chown needs root: the file's stat is made to say so instead)
        real_fstat = os.fstat

        def foreign(fd):
            st = real_fstat(fd)
            return os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid + 1, *st[5:10]))
        monkeypatch.setattr(cachefiles.os, "fstat", foreign)
    else:
        path.chmod(0o620 if how == "group-writable" else 0o602)
    kb = load_kb(kb_copy, ws.units, cache_dir=cache)
    assert kb.lookup("cn.electricity.cfp.national", 2024).entry.value == 0.5777
    monkeypatch.undo()
    assert seed_total(ws, kb_copy, cache) == TOTAL and not path.is_symlink()   # rebuilt and replaced


def test_an_unusable_key_is_replaced(tmp_path):
    cache = tmp_path / "cache"
    key = cachefiles.cache_key(cache)
    assert len(key) == 32 and cachefiles.cache_key(cache) == key
    (cache / "key").chmod(0o644)   # readable by others: anyone could forge seals
    new = cachefiles.cache_key(cache)
    assert new is not None and new != key and stat.S_IMODE((cache / "key").stat().st_mode) == 0o600


def test_a_cache_folder_of_another_user_is_not_used(ws, kb_copy, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    load_kb(kb_copy, ws.units, cache_dir=cache)
    monkeypatch.setattr(cachefiles.os, "geteuid", lambda: 12345)
    assert cachefiles.cache_key(cache) is None
    no_parsing(monkeypatch)
    with pytest.raises(AssertionError, match="parsed the TOML"):
        load_kb(kb_copy, ws.units, cache_dir=cache)


def test_without_posix_owner_checks_nothing_is_cached_and_everything_works(ws, kb_copy, tmp_path, monkeypatch):
    """Where there is no user id or permission bits to check (Windows), caches are not used: a
    start is as slow as a first one, never an error."""
    assert cachefiles._POSIX          # this machine: the checks are there
    monkeypatch.setattr(cachefiles, "_POSIX", False)
    cache = tmp_path / "cache"
    assert cachefiles.cache_key(cache) is None and cachefiles.sealed_folder("x", cache) is None
    assert seed_total(ws, kb_copy, cache) == TOTAL
    assert not list(cache.glob("kb-*.json"))
    assert cachefiles.read_private(cache / "key") is None


# --- files nobody uses any more ----------------------------------------------------------------

DAY = 24 * 3600


def aged(path: Path, days: float) -> Path:
    """`path` as if last written `days` ago (a link's own time, not its target's)."""
    when = time.time() - days * DAY
    os.utime(path, (when, when), follow_symlinks=False)
    return path


def test_files_unused_for_thirty_days_are_removed_when_a_cache_is_written(ws, kb_copy, tmp_path):
    cache = tmp_path / "cache"
    assert seed_total(ws, kb_copy, cache) == TOTAL                   # the key and this KB's cache
    mine, key = the_cache_file(cache), cachefiles.cache_key(cache)

    def made(path: Path, days: float) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        return aged(path, days)
    old_kb = made(cache / "kb-0ld.json", 31)                          # a checkout deleted a month ago
    recent_kb = made(cache / "kb-recent.json", 29)
    old_template = made(cache / "jinja-sealed" / "t.jinja", 40)
    aged(cache / "jinja-sealed", 40)
    made(cache / "pint-sealed" / "w" / "d.pickle", 90)
    aged(cache / "pint-sealed" / "w", 90)
    outside = made(tmp_path / "not-a-cache.txt", 90)
    (cache / "link").symlink_to(outside)
    aged(cache / "link", 90)
    aged(cache / "key", 400)                                         # the key is never old
    aged(mine, 31)
    assert cachefiles.sealed_folder("units", cache) is not None
    assert cachefiles.write_sealed(cache / "units" / "u.json", key, b"{}")     # any write sweeps
    assert not old_kb.exists() and recent_kb.exists() and not mine.exists()
    assert not old_template.exists() and not (cache / "jinja-sealed").exists()       # emptied, and old
    assert not (cache / "pint-sealed" / "w").exists() and (cache / "pint-sealed").exists()   # not old
    assert (cache / "link").is_symlink() and outside.read_bytes() == b"x"            # links are not followed
    assert cachefiles.cache_key(cache) == key and (cache / "units" / "u.json").exists()
    assert seed_total(ws, kb_copy, cache) == TOTAL and mine.exists()                  # rebuilt when needed


def test_a_cache_read_marks_its_file_used(ws, kb_copy, tmp_path):
    cache = tmp_path / "cache"
    seed_total(ws, kb_copy, cache)
    path = the_cache_file(cache)
    aged(path, 20)
    assert seed_total(ws, kb_copy, cache) == TOTAL                   # read from the cache
    assert time.time() - path.stat().st_mtime < DAY                  # and marked used today
    aged(path, 0.5)
    before = path.stat().st_mtime
    seed_total(ws, kb_copy, cache)
    assert path.stat().st_mtime == before                            # used today already: not rewritten


def test_a_sweep_leaves_other_users_files_and_folders_without_a_key(tmp_path, monkeypatch):
    from pcf.files import cacheage
    cache = tmp_path / "cache"
    key = cachefiles.cache_key(cache)
    theirs = cache / "kb-theirs.json"
    theirs.write_bytes(b"x")
    aged(theirs, 60)
    real_geteuid = os.geteuid
    monkeypatch.setattr(cacheage.os, "geteuid", lambda: real_geteuid() + 1)   # every file is another's
    assert cachefiles.write_sealed(cache / "kb-new.json", key, b"{}")
    assert theirs.exists()
    monkeypatch.undo()
    stray = tmp_path / "elsewhere" / "f.json"                       # no key above it: not a cache folder
    stray.parent.mkdir()
    stray.write_bytes(b"x")
    aged(stray, 60)
    assert cacheage.prune_stale(stray.parent / "g.json") == 0 and stray.exists()
    assert cacheage.prune_stale(cache / "kb-new.json") == 1 and not theirs.exists()


# --- pint's definitions cache ----------------------------------------------------------------

def pint_files(xdg: Path) -> list[Path]:
    return sorted((xdg / "pcf" / "pint-sealed").glob("*/*.pickle"))


@pytest.mark.parametrize("damage", ["truncated", "empty", "a pickle that runs code"])
def test_a_damaged_pint_cache_is_rebuilt(tmp_path, monkeypatch, damage):
    xdg, marker = tmp_path / "xdg", tmp_path / "ran"
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    reference = load_units(cache=False)
    load_units()
    files = pint_files(xdg)
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    whole = {p: p.read_bytes() for p in files}
    for p in files:
        p.write_bytes({"truncated": whole[p][:len(whole[p]) // 2], "empty": b"",
                       "a pickle that runs code": pickle.dumps(Evil(marker))}[damage])
    units = load_units()   # before: `kb/units.txt:1:1: ... Ran out of input [kb-invalid]`
    for text in ("kgCO2e/(t·km)", "万kWh", "GJ/万Nm3", "%"):
        assert units.parse(text) == reference.parse(text)
    assert not marker.exists()
    assert {p: p.read_bytes() for p in pint_files(xdg)}.keys() == whole.keys()
    assert all(len(p.read_bytes()) == len(whole[p]) for p in files)   # rewritten whole


def test_two_installs_do_not_share_parsed_files(tmp_path, monkeypatch):
    """pint's parsed files keep the path they were read from and resolve `@import` against it:
    a cache filled by another venv (since deleted) once failed every start with
    `FileNotFoundError: .../old-venv/.../pint/default_en.txt/constants_en.txt`."""
    xdg = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    units_a = tmp_path / "a" / "units.txt"
    units_b = tmp_path / "b" / "units.txt"
    for path in (units_a, units_b):
        path.parent.mkdir()
        path.write_text((ROOT / "kb" / "units.txt").read_text(encoding="utf-8"), encoding="utf-8")
    load_units(units_a)
    shutil.rmtree(units_a.parent)          # the first install is gone
    units = load_units(units_b)            # same content, another place: its own folder
    assert units.parse("kgCO2e/(t·km)") == load_units(units_b, cache=False).parse("kgCO2e/(t·km)")
    assert len({p.parent for p in pint_files(xdg)}) == 2


def test_concurrent_cold_starts_all_agree(tmp_path):
    """16 `pcf run`s of the seeds at once on an empty cache folder, twice: before, pint's
    cache was written in place and 1-3 runs in 48 failed with a false units error."""
    jobs = [SEEDS[i % len(SEEDS)] for i in range(16)]
    expected: dict[Path, str] = {}
    for round_ in range(2):
        env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / f"xdg{round_}"))

        def run(seed: Path) -> tuple[Path, subprocess.CompletedProcess]:
            return seed, subprocess.run([sys.executable, "-m", "pcf.cli", "run", str(seed), "--json"], env=env,
                                        capture_output=True, text=True, timeout=120, cwd=ROOT)
        with ThreadPoolExecutor(16) as pool:
            for seed, proc in pool.map(run, jobs):
                assert proc.returncode == 0, (seed.name, proc.stderr)
                assert expected.setdefault(seed, proc.stdout) == proc.stdout, seed.name


def test_where_the_status_cannot_be_trusted_the_files_are_always_hashed(ws, kb_copy, tmp_path, monkeypatch):
    # Windows' st_ctime is the creation time, which an edit in place leaves alone
    monkeypatch.setattr(kbcache, "RACY_NS", 0)
    monkeypatch.setattr(kbcache, "TRUSTS_STATUS", False)
    cache = tmp_path / "cache"
    assert seed_total(ws, kb_copy, cache) == TOTAL
    hashed = no_hashing(monkeypatch)
    no_parsing(monkeypatch)
    assert seed_total(ws, kb_copy, cache) == TOTAL and hashed == [1]

"""pcf's cache folder: owner-only, and files trusted only when sealed with this user's key.

The knowledge-base cache (kbcache.py) and pint's definitions cache (units.py) live in
`$XDG_CACHE_HOME/pcf` (else `~/.cache/pcf`). A cache is an optimisation, never a source
of truth, so every failure here means "rebuild":

- The folder is created 0700. One owned by another user, or a symlink, is not used;
  one of ours that others can write is narrowed to 0700 first.
- A cache file is read only if it is a regular file (opened without following a link or
  blocking), owned by this user, writable by nobody else, below `MAX_CACHE_BYTES`, and its
  HMAC-SHA256 seal verifies with the key in `<folder>/key` (32 random bytes, 0600, made on
  first use). A file planted by anyone who cannot read that key - copied from another
  machine, unpacked from an archive, left by another account, truncated by a full disk -
  fails the seal and is ignored, before any of its content is interpreted.
- A large file may seal its first line only (`write_sealed_head`) when that line holds a
  digest of each block of the rest: a reader reads and checks the head, then only the blocks
  it needs, each against its digest before it is interpreted (the knowledge-base cache: 6 MB,
  of which a run reads a few blocks).
- Files are written 0600 through `atomic.replace_file` (temporary file + rename), so
  concurrent runs each see a whole file or none.
- A file unused for 30 days is removed when the folder is next written (cacheage.py).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from contextlib import suppress
from pathlib import Path

from .atomic import replace_file
from .cacheage import mark_used, prune_stale
from .inputfile import read_limited

MAX_CACHE_BYTES = 512 * 1024 * 1024
_SEAL = hashlib.sha256().digest_size
_KEY_BYTES = 32


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "pcf"


# Owner and mode checks need POSIX (a user id, permission bits, O_NOFOLLOW): elsewhere nothing
# is cached, and every start is as slow as a first one.
_POSIX = all(hasattr(os, name) for name in ("geteuid", "O_NOFOLLOW", "O_NONBLOCK", "pread"))


def private_dir(path: Path) -> bool:
    """Whether `path` is (now) a folder of ours that only we can write; created 0700 if missing."""
    if not _POSIX:
        return False
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(path)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
            return False
        if st.st_mode & 0o077:
            os.chmod(path, 0o700)
        return True
    except OSError:
        return False


def sealed_folder(name: str, cache_dir: Path | None = None) -> tuple[Path, bytes] | None:
    """The folder `name` of pcf's cache (made owner-only) and this user's sealing key, or None
    when either cannot be had (then nothing is cached: a start is only slower)."""
    base = cache_dir or default_cache_dir()
    key = cache_key(base)
    if key is None or not private_dir(base / name):
        return None
    return base / name, key


def cache_key(folder: Path) -> bytes | None:
    """This user's sealing key for `folder`, made on first use; None when it cannot be had."""
    if not private_dir(folder):
        return None
    path = folder / "key"
    key = read_private(path, _KEY_BYTES, mask=0o077)   # a key others can read would let them forge seals
    if key is not None and len(key) == _KEY_BYTES:
        return key
    try:
        tmp = folder / f".key.{os.getpid()}.{secrets.token_hex(4)}"
        replace_file(tmp, secrets.token_bytes(_KEY_BYTES), mode=0o600)
        try:
            if os.path.lexists(path):
                os.replace(tmp, path)   # unusable: replaced (files sealed with it are rebuilt)
            else:
                os.link(tmp, path)      # new: a link never replaces the key a concurrent run just made
        except FileExistsError:
            pass
        finally:
            with suppress(OSError):
                os.unlink(tmp)
    except OSError:
        return None
    key = read_private(path, _KEY_BYTES, mask=0o077)
    return key if key is not None and len(key) == _KEY_BYTES else None


def read_private(path: Path, limit: int = MAX_CACHE_BYTES, mask: int = 0o022) -> bytes | None:
    """The bytes of a regular file of ours with none of the `mask` permission bits (by default:
    nobody else can write it), or None."""
    opened = _open_private(path, limit, mask)
    if opened is None:
        return None
    fd, size = opened
    try:
        return read_limited(fd, limit + 1, size)
    except OSError:
        return None
    finally:
        os.close(fd)


def _open_private(path: Path, limit: int = MAX_CACHE_BYTES, mask: int = 0o022) -> tuple[int, int] | None:
    """(an open descriptor, the size) of `path` when it is a regular file of ours, at most `limit` bytes,
    with none of the `mask` permission bits; else None. Opened without following a link or
    blocking: the checks are on what was opened."""
    if not _POSIX:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if (stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & mask
                and st.st_size <= limit):
            return fd, st.st_size
    except OSError:
        pass
    os.close(fd)
    return None


def read_sealed(path: Path, key: bytes) -> bytes | None:
    """The payload of a cache file written by `write_sealed` with `key`, or None."""
    raw = read_private(path)
    if raw is None or len(raw) < _SEAL or len(raw) > MAX_CACHE_BYTES:
        return None
    seal, payload = raw[:_SEAL], raw[_SEAL:]
    if not hmac.compare_digest(seal, _seal(key, payload)):
        return None
    mark_used(path)
    return payload


def write_sealed(path: Path, key: bytes, payload: bytes) -> bool:
    """Write `payload` sealed with `key`, atomically and 0600; False when it could not be written
    (a read-only or full disk only makes the next load slower)."""
    try:
        replace_file(path, _seal(key, payload) + payload, mode=0o600)
    except OSError:
        return False
    prune_stale(path)
    return True


def write_sealed_head(path: Path, key: bytes, head: bytes, body: bytes) -> bool:
    """Write a file whose first line, `head`, is sealed and whose `body` is not: the head must
    hold what checks the body (kbcache.py: a digest per block), so that a reader checks only
    the parts it reads. Atomically and 0600, as `write_sealed`."""
    if b"\n" in head:
        raise ValueError("a sealed head is one line")
    try:
        replace_file(path, _seal(key, head) + head + b"\n" + body, mode=0o600)
    except OSError:
        return False
    prune_stale(path)
    return True


def read_sealed_head(path: Path, key: bytes, step: int = 1 << 18) -> tuple[bytes, int, int] | None:
    """(head, where the body starts, the file's size) of a file written by `write_sealed_head`
    with `key`, reading the head alone; None when it is not ours or its seal fails."""
    opened = _open_private(path)
    if opened is None:
        return None
    fd, size = opened
    try:
        data = b""
        while (nl := data.find(b"\n", _SEAL)) < 0:
            more = os.pread(fd, step, len(data))
            if not more:
                return None
            data += more
            step *= 2     # a large head in a few reads, not many
    except OSError:
        return None
    finally:
        os.close(fd)
    seal, head = data[:_SEAL], data[_SEAL:nl]
    if not hmac.compare_digest(seal, _seal(key, head)):
        return None
    mark_used(path)
    return head, nl + 1, size


def read_private_range(path: Path, start: int, length: int) -> bytes | None:
    """`length` bytes of a file of ours from `start` (the checks of `read_private`), or None
    when the file is not ours or is shorter."""
    opened = _open_private(path)
    if opened is None:
        return None
    fd, _ = opened
    try:
        chunks, got = [], 0
        while got < length:
            chunk = os.pread(fd, length - got, start + got)
            if not chunk:
                return None
            chunks.append(chunk)
            got += len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _seal(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()

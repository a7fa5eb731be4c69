"""Write a compound file ([MS-CFB], Compound File Binary File Format, v20221115).

The container of an Office file's VBA project (``xl/vbaProject.bin``):
:mod:`finsam.vba_project` reads it with olefile and, since a renamed or changed module is a
renamed stream or a stream of another size, writes it anew with :func:`write_compound_file`.
Only what that needs: version 3 (512-byte sectors), streams and storages from paths, the
mini stream for small streams, a header-only DIFAT (files up to about 7 MB).
"""

from __future__ import annotations

import struct

_SECTOR = 512
_MINI = 64
_CUTOFF = 4096
_FREESECT, _ENDOFCHAIN, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _cfb_key(name: str) -> tuple[int, str]:
    """Sibling order (MS-CFB 2.6.4): shorter names first, then by upper-case code points."""
    return (len(name), name.upper())


def write_compound_file(
    streams: dict[str, bytes],
    *,
    clsids: dict[str, str] | None = None,
    root_clsid: str | None = None,
) -> bytes:
    """A version 3 compound file (512-byte sectors) holding ``streams`` ("storage/stream"
    paths → bytes), with storages made from the paths. Streams under 4096 bytes go to the
    mini stream (MS-CFB 2.6.3). Siblings form a balanced binary tree colored as a valid
    red-black tree (MS-CFB 2.6.4: the bottom level red, every other node black).

    Raises:
        ValueError: a name longer than 31 characters, or a file over 109 FAT sectors (7 MB).
    """
    clsids = clsids or {}

    class Entry:
        def __init__(self, name, kind, data=b""):
            if len(name) > 31:
                raise ValueError(f"name too long for a compound file: {name}")
            self.name, self.kind, self.data = name, kind, data
            self.children: dict[str, Entry] = {}
            self.left = self.right = self.child = _NOSTREAM
            self.red = False
            self.start, self.size = _ENDOFCHAIN, 0
            self.clsid = ""

    root = Entry("Root Entry", 5)
    root.clsid = root_clsid or ""
    for path, data in streams.items():
        node = root
        parts = path.split("/")
        for k, part in enumerate(parts[:-1]):
            if part not in node.children:
                node.children[part] = Entry(part, 1)
                node.children[part].clsid = clsids.get("/".join(parts[:k + 1]), "")
            node = node.children[part]
        node.children[parts[-1]] = Entry(parts[-1], 2, data)

    entries: list[Entry] = [root]

    def number(node: Entry) -> None:
        for child in node.children.values():
            entries.append(child)
        for child in node.children.values():
            number(child)

    number(root)
    ids = {id(e): n for n, e in enumerate(entries)}

    def tree(node: Entry) -> None:
        kids = sorted(node.children.values(), key=lambda e: _cfb_key(e.name))

        def build(lo: int, hi: int, depth: int, levels: list) -> int:
            if lo > hi:
                return _NOSTREAM
            mid = (lo + hi) // 2
            levels.append((kids[mid], depth))
            kids[mid].left = build(lo, mid - 1, depth + 1, levels)
            kids[mid].right = build(mid + 1, hi, depth + 1, levels)
            return ids[id(kids[mid])]

        levels: list = []
        node.child = build(0, len(kids) - 1, 0, levels)
        bottom = max((d for _, d in levels), default=0)
        for entry, depth in levels:
            entry.red = bottom > 0 and depth == bottom
        for kid in kids:
            tree(kid)

    tree(root)

    # mini stream: the small streams, 64-byte sectors, chained in the mini FAT
    mini_fat: list[int] = []
    mini = bytearray()
    big: list[Entry] = []
    for e in entries:
        if e.kind != 2:
            continue
        e.size = len(e.data)
        if e.size == 0:
            e.start = _ENDOFCHAIN
        elif e.size < _CUTOFF:
            first = len(mini) // _MINI
            count = -(-e.size // _MINI)
            mini += e.data + b"\x00" * (count * _MINI - e.size)
            mini_fat += [first + k + 1 for k in range(count - 1)] + [_ENDOFCHAIN]
            e.start = first
        else:
            big.append(e)

    sectors: list[bytes] = []
    fat: list[int] = []

    def place(data: bytes, marker: int | None = None) -> int:
        """Append ``data`` as a chain of sectors; return its first sector."""
        count = max(1, -(-len(data) // _SECTOR))
        first = len(sectors)
        for k in range(count):
            sectors.append(data[k * _SECTOR:(k + 1) * _SECTOR].ljust(_SECTOR, b"\x00"))
            fat.append(marker if marker is not None else (first + k + 1 if k < count - 1 else _ENDOFCHAIN))
        return first

    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat) if mini_fat else b""
    mini_fat_bytes += b"\xff" * (-len(mini_fat_bytes) % _SECTOR)
    first_mini_fat = place(mini_fat_bytes) if mini_fat else _ENDOFCHAIN
    mini_fat_sectors = len(mini_fat_bytes) // _SECTOR if mini_fat else 0
    if mini:
        root.start, root.size = place(bytes(mini)), len(mini)
    for e in big:
        e.start = place(e.data)

    def dir_entry(e: Entry) -> bytes:
        name = e.name.encode("utf-16-le") + b"\x00\x00"
        clsid = _clsid_bytes(e.clsid)
        return (name.ljust(64, b"\x00") + struct.pack("<HBB", len(name), e.kind, 0 if e.red else 1)
                + struct.pack("<III", e.left, e.right, e.child) + clsid + b"\x00" * 4
                + b"\x00" * 16 + struct.pack("<IQ", e.start if e.kind != 1 else 0, e.size))

    directory = b"".join(dir_entry(e) for e in entries)
    directory += (b"\x00" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", _NOSTREAM, _NOSTREAM, _NOSTREAM)
                  + b"\x00" * 52) * (-len(entries) % 4)
    first_dir = place(directory)

    # FAT sectors: enough to map every sector, themselves included
    n_fat = 1
    while (len(sectors) + n_fat) > n_fat * (_SECTOR // 4):
        n_fat += 1
    if n_fat > 109:
        raise ValueError("compound file too large for a header-only DIFAT")
    fat_start = len(sectors)
    fat += [_FATSECT] * n_fat
    fat += [_FREESECT] * (n_fat * (_SECTOR // 4) - len(fat))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    for k in range(n_fat):
        sectors.append(fat_bytes[k * _SECTOR:(k + 1) * _SECTOR])

    difat = [fat_start + k for k in range(n_fat)] + [_FREESECT] * (109 - n_fat)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
              + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<IIIIIIIII", 0, n_fat, first_dir, 0, _CUTOFF, first_mini_fat,
                            mini_fat_sectors, _ENDOFCHAIN, 0)
              + struct.pack("<109I", *difat))
    assert len(header) == _SECTOR
    return header + b"".join(sectors)


def _clsid_bytes(clsid: str) -> bytes:
    """olefile's CLSID text ("" or "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX") as 16 bytes."""
    if not clsid:
        return b"\x00" * 16
    import uuid

    return uuid.UUID(clsid).bytes_le


__all__ = ["write_compound_file"]

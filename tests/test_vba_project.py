"""finsam.vba_project: MS-OVBA compression and an MS-CFB writer, checked with independent
readers (oletools' decompress_stream, olefile)."""

from __future__ import annotations

import io
import random
import struct
from pathlib import Path

import olefile
import pytest
import xlwings
import zipfile
from oletools.olevba import decompress_stream

from finsam.compound_file import write_compound_file
from finsam.vba_project import compress, decompress, module_sources

TEMPLATE = Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"


def template_vba() -> bytes:
    with zipfile.ZipFile(TEMPLATE) as z:
        return z.read("xl/vbaProject.bin")


def _samples() -> dict[str, bytes]:
    rng = random.Random(14)
    text = "".join(rng.choice("ab c\r\n") for _ in range(9000)).encode()
    return {
        "empty": b"",
        "one byte": b"x",
        "one chunk exactly": bytes(range(256)) * 16,
        "one past a chunk": b"a" * 4097,
        "incompressible full chunks": bytes(rng.getrandbits(8) for _ in range(3 * 4096 + 17)),
        "text": text,
        "long runs": b"\x00" * 10000 + b"\x01" * 5000,
        **{f"module {k}": v.encode("cp1252") for k, v in module_sources(template_vba()).items()},
    }


@pytest.mark.parametrize("name, data", list(_samples().items()))
def test_compress_is_read_back_by_oletools(name, data):
    packed = compress(data)
    assert bytes(decompress_stream(bytearray(packed))) == data
    assert decompress(packed) == data
    # every chunk header says a size within 4098 bytes and the 0b011 signature
    pos = 1
    while pos < len(packed):
        header = struct.unpack_from("<H", packed, pos)[0]
        assert (header >> 12) & 0x7 == 0b011
        pos += (header & 0x0FFF) + 3
    assert pos == len(packed)


def test_decompress_reads_what_office_wrote():
    """The template's streams were written by Office: both decompressors agree on them."""
    ole = olefile.OleFileIO(io.BytesIO(template_vba()))
    raw = ole.openstream("VBA/dir").read()
    assert decompress(raw) == bytes(decompress_stream(bytearray(raw)))
    assert b"MyAddin" in decompress(raw)


def test_decompress_refuses_what_is_not_a_container():
    with pytest.raises(ValueError):
        decompress(b"\x00\x01\x02")


def _tree_ok(ole: olefile.OleFileIO) -> None:
    """Each storage's children: a binary search tree in CFB order, red-black valid."""
    def key(entry):
        return (len(entry.name), entry.name.upper())

    def walk(sid, lo, hi, parent_red) -> int:
        if sid == olefile.NOSTREAM:
            return 1
        e = ole.direntries[sid]
        red = e.color == 0
        assert not (red and parent_red), "red node with a red parent"
        assert (lo is None or key(lo) < key(e)) and (hi is None or key(e) < key(hi))
        left = walk(e.sid_left, lo, e, red)
        right = walk(e.sid_right, e, hi, red)
        assert left == right, "black heights differ"
        return left + (0 if red else 1)

    for e in ole.direntries:
        if e is not None and e.entry_type in (olefile.STGTY_STORAGE, olefile.STGTY_ROOT):
            walk(e.sid_child, None, None, False)


def test_compound_file_round_trip():
    rng = random.Random(3)
    streams = {
        "PROJECT": b"ID=x\r\n",
        "empty": b"",
        "big": bytes(rng.getrandbits(8) for _ in range(70000)),
        "exactly cutoff": b"c" * 4096,
        "under cutoff": b"u" * 4095,
        "VBA/dir": b"d" * 100,
        "VBA/Modul med långt namn": b"m" * 5000,
        **{f"VBA/m{k}": bytes([k]) * (k * 37) for k in range(1, 12)},
    }
    data = write_compound_file(streams, clsids={"VBA": "00020820-0000-0000-C000-000000000046"})
    ole = olefile.OleFileIO(io.BytesIO(data))
    assert {"/".join(p): ole.openstream(p).read() for p in ole.listdir()} == streams
    assert ole.getclsid("VBA") == "00020820-0000-0000-C000-000000000046"
    _tree_ok(ole)


def test_the_template_rewritten_unchanged_reads_the_same():
    original = olefile.OleFileIO(io.BytesIO(template_vba()))
    streams = {"/".join(p): original.openstream(p).read() for p in original.listdir()}
    copy = olefile.OleFileIO(io.BytesIO(write_compound_file(streams)))
    assert {"/".join(p): copy.openstream(p).read() for p in copy.listdir()} == streams
    _tree_ok(copy)

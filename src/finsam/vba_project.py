"""Edit the VBA project of an Office file (``xl/vbaProject.bin``) without Office.

The add-in is xlwings' ribbon template with its own name (``finsam_addin.xlam``); xlwings'
"Renaming your add-in" steps (docs.xlwings.org, *Custom Add-ins*) change the VBA project's
name, the constant ``PROJECT_NAME`` in module ``xlwings`` and the ribbon module's name —
done by hand in Excel's VBA editor. This module does the same on the file, as
[MS-OVBA] (Office VBA File Format Structure, v20231010) and [MS-CFB] (Compound File Binary
File Format, v20221115) describe it:

* the compound file is read with olefile; every stream is kept byte for byte except those
  changed, and the file is written anew (:mod:`finsam.compound_file`), because a renamed
  module is a renamed stream and a changed module is a stream of another size;
* the ``dir`` stream (MS-OVBA 2.3.4.2) is a list of records ``Id (2 bytes), Size (4),
  Data (Size)``, except PROJECTVERSION (Id 0x0009) whose Size is 4 but whose data is 6
  bytes; it and each module's source are compressed with MS-OVBA 2.4.1
  (:func:`decompress`/:func:`compress`);
* a changed module is written without its performance cache, MODULEOFFSET 0 (2.3.4.2.3.2.5:
  the cache "MUST be ignored on read"); the template's ``_VBA_PROJECT`` stream already
  holds no cache (Version 0xFFFF, 2.3.4.1), so Excel compiles every module from source;
* the PROJECT stream (2.3.1, text) names the project (``Name=``) and its modules
  (``Module=``, ``[Workspace]``); PROJECTwm (2.3.3) maps module names MBCS → UTF-16.
"""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Callable

from finsam.compound_file import write_compound_file

# --- MS-OVBA 2.4.1 compression --------------------------------------------------------------

_CHUNK = 4096


def decompress(data: bytes) -> bytes:
    """Decompress a CompressedContainer (MS-OVBA 2.4.1.3.1).

    Raises:
        ValueError: the signature byte or a chunk header is wrong.
    """
    if not data or data[0] != 0x01:
        raise ValueError("not an MS-OVBA compressed container")
    out = bytearray()
    pos = 1
    while pos < len(data):
        header = struct.unpack_from("<H", data, pos)[0]
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0x7 != 0b011:
            raise ValueError(f"bad chunk signature at byte {pos}")
        chunk_end = min(pos + size, len(data))
        pos += 2
        start = len(out)
        if not header & 0x8000:  # raw chunk: 4096 bytes as they are
            out += data[pos:pos + _CHUNK]
            pos += _CHUNK
            continue
        while pos < chunk_end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not flags & (1 << bit):
                    out.append(data[pos])
                    pos += 1
                    continue
                token = struct.unpack_from("<H", data, pos)[0]
                pos += 2
                bits = _offset_bits(len(out) - start)
                offset = (token >> (16 - bits)) + 1
                length = (token & (0xFFFF >> bits)) + 3
                for _ in range(length):  # may overlap itself: byte by byte
                    out.append(out[-offset])
    return bytes(out)


def _offset_bits(difference: int) -> int:
    """Bits of a CopyToken's offset, from the bytes decompressed so far in the chunk
    (MS-OVBA 2.4.1.3.19.1 CopyToken Help)."""
    bits = max((difference - 1).bit_length(), 4)
    return min(bits, 12)


def compress(data: bytes) -> bytes:
    """Compress ``data`` into a CompressedContainer (MS-OVBA 2.4.1.3.6–2.4.1.3.9): per
    4096-byte chunk, the longest earlier match of at least 3 bytes as a CopyToken, else a
    literal; a chunk whose compressed form would be larger is stored raw (only a full
    4096-byte chunk may be raw)."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), _CHUNK):
        chunk = data[start:start + _CHUNK]
        body = _compress_chunk(chunk)
        if len(body) > _CHUNK and len(chunk) == _CHUNK:
            out += struct.pack("<H", 0x3000 | (_CHUNK - 1)) + chunk
        else:
            out += struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + body
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    body = bytearray()
    index: dict[bytes, list[int]] = {}
    pos = 0
    while pos < len(chunk):
        flag_at = len(body)
        body.append(0)
        flags = 0
        for bit in range(8):
            if pos >= len(chunk):
                break
            bits = _offset_bits(pos)
            max_length = (0xFFFF >> bits) + 3
            best_len, best_at = 0, 0
            key = chunk[pos:pos + 3]
            if len(key) == 3:
                for candidate in reversed(index.get(key, [])):
                    if pos - candidate > (1 << bits):
                        break
                    length = 3
                    while (length < max_length and pos + length < len(chunk)
                           and chunk[candidate + length] == chunk[pos + length]):
                        length += 1
                    if length > best_len:
                        best_len, best_at = length, candidate
                        if length == max_length:
                            break
            if best_len >= 3:
                token = ((pos - best_at - 1) << (16 - bits)) | (best_len - 3)
                body += struct.pack("<H", token)
                flags |= 1 << bit
                step = best_len
            else:
                body.append(chunk[pos])
                step = 1
            for p in range(pos, pos + step):
                if p + 3 <= len(chunk):
                    index.setdefault(chunk[p:p + 3], []).append(p)
            pos += step
        body[flag_at] = flags
    return bytes(body)


# --- the dir stream ------------------------------------------------------------------------

_PROJECTVERSION = 0x0009
_PROJECTCODEPAGE = 0x0003
_PROJECTNAME = 0x0004
_MODULENAME = 0x0019
_MODULENAMEUNICODE = 0x0047
_MODULESTREAMNAME = 0x001A
_MODULESTREAMNAMEUNICODE = 0x0032
_MODULEOFFSET = 0x0031


def _records(data: bytes) -> list[list]:
    records, pos = [], 0
    while pos < len(data):
        rid, size = struct.unpack_from("<HI", data, pos)
        length = 6 if rid == _PROJECTVERSION else size
        records.append([rid, size, data[pos + 6:pos + 6 + length]])
        pos += 6 + length
    return records


def _pack(records: list[list]) -> bytes:
    out = bytearray()
    for rid, size, body in records:
        out += struct.pack("<HI", rid, size if rid == _PROJECTVERSION else len(body)) + body
    return bytes(out)


# --- the whole project -------------------------------------------------------------------


def rename_project(
    vba_bin: bytes,
    *,
    project: str,
    modules: dict[str, str] | None = None,
    edits: dict[str, Callable[[str], str]] | None = None,
) -> bytes:
    """The VBA project ``vba_bin`` with a new project name, renamed modules and edited
    module sources.

    Args:
        vba_bin: ``xl/vbaProject.bin`` of an Office file.
        project: the new project name (what the VBA editor shows; ``Name=`` in PROJECT).
        modules: old module name → new name (also its stream and ``Attribute VB_Name``).
        edits: module name (the old one) → function from its source text to the new text.

    Returns:
        The new ``vbaProject.bin``.

    Raises:
        ValueError: the project is not shaped as MS-OVBA says, a module named in
            ``modules``/``edits`` is missing, or a new name cannot be written in the
            project's code page.
    """
    import olefile

    modules, edits = dict(modules or {}), dict(edits or {})
    ole = olefile.OleFileIO(io.BytesIO(vba_bin))
    streams = {"/".join(path): ole.openstream(path).read() for path in ole.listdir()}
    clsids = {"/".join(path): ole.getclsid("/".join(path)) for path in ole.listdir(streams=False, storages=True)}
    root_clsid = ole.root.clsid
    ole.close()
    vba = next(p.rsplit("/", 1)[0] for p in streams if p.endswith("/dir") or p == "dir")
    prefix = f"{vba}/" if vba != "dir" else ""

    records = _records(decompress(streams[f"{prefix}dir"]))
    codepage = next(struct.unpack("<H", r[2])[0] for r in records if r[0] == _PROJECTCODEPAGE)
    encoding = f"cp{codepage}"
    found: set[str] = set()
    i = 0
    while i < len(records):
        rid = records[i][0]
        if rid == _PROJECTNAME:
            records[i][2] = project.encode(encoding)
        if rid != _MODULENAME:
            i += 1
            continue
        # one module: records from MODULENAME to its Terminator (0x002B)
        end = next(j for j in range(i, len(records)) if records[j][0] == 0x002B)
        group = records[i:end + 1]
        name = group[0][2].decode(encoding)
        stream_name = next(r[2] for r in group if r[0] == _MODULESTREAMNAME).decode(encoding)
        offset_rec = next(r for r in group if r[0] == _MODULEOFFSET)
        offset = struct.unpack("<I", offset_rec[2])[0]
        new_name = modules.get(name, name)
        if name in modules or name in edits:
            found.add(name)
            raw = streams.pop(f"{prefix}{stream_name}")
            source = decompress(raw[offset:]).decode(encoding)
            if new_name != name:
                source, n = re.subn(rf'^Attribute VB_Name = "{re.escape(name)}"',
                                    f'Attribute VB_Name = "{new_name}"', source, count=1, flags=re.M)
                if n != 1:
                    raise ValueError(f"module {name}: no Attribute VB_Name line")
            if name in edits:
                source = edits[name](source)
            streams[f"{prefix}{new_name}"] = compress(source.encode(encoding))
            offset_rec[2] = struct.pack("<I", 0)
            for r in group:
                if r[0] in (_MODULENAME, _MODULESTREAMNAME):
                    r[2] = new_name.encode(encoding)
                elif r[0] in (_MODULENAMEUNICODE, _MODULESTREAMNAMEUNICODE):
                    r[2] = new_name.encode("utf-16-le")
        i = end + 1
    missing = (set(modules) | set(edits)) - found
    if missing:
        raise ValueError(f"no module {', '.join(sorted(missing))} in the VBA project")
    streams[f"{prefix}dir"] = compress(_pack(records))

    text = streams["PROJECT"].decode(encoding)
    text, n = re.subn(r'^Name="[^"]*"', f'Name="{project}"', text, count=1, flags=re.M)
    if n != 1:
        raise ValueError("PROJECT stream has no Name= line")
    for old, new in modules.items():
        text = re.sub(rf"^(Module|Class|Document)={re.escape(old)}(\r?$|/)", rf"\1={new}\2", text, flags=re.M)
        text = re.sub(rf"^{re.escape(old)}=", f"{new}=", text, flags=re.M)
    streams["PROJECT"] = text.encode(encoding)
    if "PROJECTwm" in streams:
        streams["PROJECTwm"] = _name_map(streams["PROJECTwm"], modules, encoding)
    return write_compound_file(streams, clsids=clsids, root_clsid=root_clsid)


def _name_map(data: bytes, modules: dict[str, str], encoding: str) -> bytes:
    """PROJECTwm (MS-OVBA 2.3.3): pairs of MBCS name + NUL and UTF-16 name + NUL NUL,
    ended by NUL NUL; the renamed modules' pairs rewritten."""
    out, pos = bytearray(), 0
    while pos < len(data) and data[pos:pos + 2] != b"\x00\x00":
        end = data.index(b"\x00", pos)
        name = data[pos:end].decode(encoding)
        pos = end + 1
        u_end = pos
        while data[u_end:u_end + 2] != b"\x00\x00":
            u_end += 2
        pos = u_end + 2
        new = modules.get(name, name)
        out += new.encode(encoding) + b"\x00" + new.encode("utf-16-le") + b"\x00\x00"
    return bytes(out + b"\x00\x00")


def module_sources(vba_bin: bytes) -> dict[str, str]:
    """Module name → source text of every module in ``vba_bin`` (read back the same way)."""
    import olefile

    ole = olefile.OleFileIO(io.BytesIO(vba_bin))
    try:
        dir_path = next(p for p in ole.listdir() if p[-1] == "dir")
        base = dir_path[:-1]
        records = _records(decompress(ole.openstream(dir_path).read()))
        codepage = next(struct.unpack("<H", r[2])[0] for r in records if r[0] == _PROJECTCODEPAGE)
        out, name, stream = {}, None, None
        for rid, _, body in records:
            if rid == _MODULENAME:
                name = body.decode(f"cp{codepage}")
            elif rid == _MODULESTREAMNAME:
                stream = body.decode(f"cp{codepage}")
            elif rid == _MODULEOFFSET:
                raw = ole.openstream([*base, stream]).read()
                out[name] = decompress(raw[struct.unpack("<I", body)[0]:]).decode(f"cp{codepage}")
        return out
    finally:
        ole.close()


__all__ = ["compress", "decompress", "rename_project", "module_sources"]

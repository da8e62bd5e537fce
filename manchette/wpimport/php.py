"""Reads PHP's serialize() format, in which WordPress keeps attachment metadata and
wpDiscuz its vote counts. Data only: objects are refused, nothing is executed."""

from __future__ import annotations

from typing import Any


class PhpValueError(ValueError):
    pass


def unserialize(text: str) -> Any:
    data = text.encode("utf-8")  # PHP string lengths count bytes
    value, end = _value(data, 0)
    if end != len(data):
        raise PhpValueError("trailing data")
    return value


def _until(data: bytes, start: int, stop: bytes) -> tuple[bytes, int]:
    end = data.find(stop, start)
    if end < 0:
        raise PhpValueError("truncated")
    return data[start:end], end + 1


def _value(data: bytes, at: int) -> tuple[Any, int]:
    kind = data[at : at + 2]
    at += 2
    if kind == b"N;":
        return None, at
    if kind == b"b:":
        raw, at = _until(data, at, b";")
        return raw == b"1", at
    if kind == b"i:":
        raw, at = _until(data, at, b";")
        return int(raw), at
    if kind == b"d:":
        raw, at = _until(data, at, b";")
        return float(raw), at
    if kind == b"s:":
        raw, at = _until(data, at, b":")
        length = int(raw)
        if data[at : at + 1] != b'"':
            raise PhpValueError("bad string")
        value = data[at + 1 : at + 1 + length].decode("utf-8", "replace")
        at += 1 + length
        if data[at : at + 2] != b'";':
            raise PhpValueError("bad string length")
        return value, at + 2
    if kind == b"a:":
        raw, at = _until(data, at, b":")
        count = int(raw)
        if data[at : at + 1] != b"{":
            raise PhpValueError("bad array")
        at += 1
        result: dict[Any, Any] = {}
        for _ in range(count):
            key, at = _value(data, at)
            result[key], at = _value(data, at)
        if data[at : at + 1] != b"}":
            raise PhpValueError("bad array end")
        return result, at + 1
    raise PhpValueError(f"unsupported type {kind!r}")


def unserialize_or_none(text: str) -> Any:
    try:
        return unserialize(text)
    except (PhpValueError, ValueError, IndexError):
        return None

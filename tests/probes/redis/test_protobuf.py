"""Asynq's server info as the Redis probes read it: protobuf (v0.19+) or JSON (older), with a
small pure decoder. No server: bytes in, queues out."""

from __future__ import annotations

import json

import pytest

from linkflow_console.probes.redis.asynq import protobuf_fields, server_queues, varint
from tests.probes.redis import pb_field, pb_varint, server_info


def test_server_info_encoding_matches_protobuf_wire_format():
    # field 5 (map entry, wire type 2) = 0x2a, entry of 11 bytes: key "default" (0x0a 0x07 ...), value 3 (0x10 0x03)
    assert b"\x2a\x0b\x0a\x07default\x10\x03" in server_info({"default": 3})


def test_queues_and_priorities_read_from_protobuf_server_info():
    data = server_info({"critical": 6, "default": 3, "low": 1})
    assert server_queues(data) == {"critical": 6, "default": 3, "low": 1}


def test_queues_read_from_pre_protobuf_json_server_info():
    data = json.dumps({"Host": "worker-1", "PID": 7, "Queues": {"default": 2, "emails": 1}}).encode()
    assert server_queues(data) == {"default": 2, "emails": 1}


@pytest.mark.parametrize("value", [0, 1, 127, 128, 300, 2**32 + 5])
def test_varint_round_trips(value: int):
    encoded = pb_varint(value)
    assert varint(encoded + b"\xff", 0) == (value, len(encoded))


def test_fixed_width_fields_are_skipped_by_size():
    fixed64 = bytes([1 << 3 | 1]) + b"\x00" * 8
    fixed32 = bytes([2 << 3 | 5]) + b"\x01\x02\x03\x04"
    assert list(protobuf_fields(fixed64 + fixed32 + pb_field(3, 9))) == [
        (1, b"\x00" * 8), (2, b"\x01\x02\x03\x04"), (3, 9)]


def test_map_entry_without_a_value_reads_priority_zero():
    assert server_queues(pb_field(5, pb_field(1, "bare"))) == {"bare": 0}


@pytest.mark.parametrize(("data", "message"), [
    (b"\x2a\x0b\x0a\x07def", "truncated protobuf field"),  # the entry claims 11 bytes, 5 follow
    (b"\x08\x80", "truncated varint"),
    (bytes([1 << 3 | 3]), "unsupported protobuf wire type 3"),  # group start: not in asynq.proto
])
def test_damaged_server_info_raises_value_error(data: bytes, message: str):
    with pytest.raises(ValueError, match=message):
        server_queues(data)

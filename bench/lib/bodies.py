"""Writes the request bodies of bench/run.sh into the folder given: gRPC frames of
meshproxy.testing.v1.Everything whose message is exactly 100 B or 16 KiB (only f_string, field 14, set), an empty
SearchBooksRequest frame for the stream, and the REST JSON body carrying the same 100 B message."""
import struct
import sys

out = sys.argv[1]


def varint(value):
    encoded = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        if value:
            encoded.append(low | 0x80)
        else:
            encoded.append(low)
            return bytes(encoded)


def everything(size):
    """Everything { f_string = 'x' * n } with n chosen so the encoded message is `size` bytes."""
    for length in range(size, 0, -1):
        message = b"\x72" + varint(length) + b"x" * length
        if len(message) == size:
            return message, length
    raise ValueError(size)


def frame(message):
    return b"\x00" + struct.pack(">I", len(message)) + message


for size, name in ((100, "unary-100.bin"), (16384, "unary-16k.bin")):
    with open(f"{out}/{name}", "wb") as f:
        f.write(frame(everything(size)[0]))
with open(f"{out}/stream.bin", "wb") as f:
    f.write(frame(b""))
with open(f"{out}/rest.json", "w") as f:
    f.write('{"fString":"%s"}' % ("x" * everything(100)[1]))

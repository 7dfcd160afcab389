"""Reads a safetensors file with the Python standard library only (struct + json), validating it
the way huggingface/safetensors does, and prints {"__metadata__": {...}, name: {"dtype", "shape",
"values"}} as JSON on stdout (values flattened, decoded from little-endian bytes). Exits 1 with a
message on stderr when the file is invalid. Used by SafeTensorsTest to prove Python interop."""
import json
import struct
import sys

FORMATS = {"F64": "d", "F32": "f", "F16": "e", "I64": "q", "I32": "i", "I16": "h", "I8": "b", "U8": "B",
           "BOOL": "?", "BF16": "H"}
SIZES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}


def fail(msg):
    sys.stderr.write(msg + "\n")
    sys.exit(1)


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        fail("duplicate keys in header: %s" % keys)
    return dict(pairs)


def main(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    if n > 100_000_000 or 8 + n > len(data):
        fail("bad header length %d" % n)
    raw = data[8:8 + n]
    if not raw.startswith(b"{"):
        fail("header does not start with {")
    if n % 8 != 0:
        fail("header length %d is not a multiple of 8" % n)
    header = json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates)
    body = data[8 + n:]
    out = {"__metadata__": header.pop("__metadata__", None)}
    end = 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        b, e = info["data_offsets"]
        dtype, shape = info["dtype"], info["shape"]
        count = 1
        for d in shape:
            count *= d
        if b != end or e < b:
            fail("tensor %s: offsets [%d, %d] do not follow %d" % (name, b, e, end))
        if e - b != count * SIZES[dtype]:
            fail("tensor %s: %d bytes for shape %s of %s" % (name, e - b, shape, dtype))
        end = e
        values = list(struct.unpack("<%d%s" % (count, FORMATS[dtype]), body[b:e]))
        if dtype == "BF16":
            values = [struct.unpack("<f", struct.pack("<I", v << 16))[0] for v in values]
        out[name] = {"dtype": dtype, "shape": shape, "values": values}
    if end != len(body):
        fail("tensors cover %d bytes but the data section has %d" % (end, len(body)))
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])

# Protocol checks run by NbdClientsTest through nbdsh (libnbd's Python shell) against a jraid
# export: every command, FUA, out-of-range, zero-length, unaligned and oversized requests, block
# status, multi-conn and disconnect. Strict mode is off so that libnbd sends the requests it would
# normally refuse, and the server's answers are checked.
#   NBD_URI   the export's URI       NBD_SIZE  its size in bytes
#   NBD_SEED  seed for the data      NBD_PREFERRED  the preferred block size advertised
import os
import random

import nbd

uri = os.environ["NBD_URI"]
size = int(os.environ["NBD_SIZE"])
preferred = int(os.environ["NBD_PREFERRED"])
rng = random.Random(int(os.environ["NBD_SEED"]))
checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise AssertionError("check failed: " + what)
    checks += 1


def expect_error(errno_name, what, call):
    try:
        call()
    except nbd.Error as e:
        check(e.errno == errno_name, "%s: expected %s, got %s (%s)" % (what, errno_name, e.errno, e.string))
        return
    raise AssertionError("check failed: %s succeeded, expected %s" % (what, errno_name))


def connect():
    h = nbd.NBD()
    h.set_strict_mode(0)  # send what libnbd would refuse: the server must answer it
    h.add_meta_context(nbd.CONTEXT_BASE_ALLOCATION)
    h.connect_uri(uri)
    return h


def data(n):
    return bytes(rng.getrandbits(8) for _ in range(n))


h = connect()

# What the handshake told the client.
check(h.get_size() == size, "size %d" % h.get_size())
for name in ["can_flush", "can_fua", "can_trim", "can_zero", "can_fast_zero", "can_cache",
             "can_df", "can_multi_conn"]:
    check(getattr(h, name)(), name)
check(not h.is_read_only(), "writable")
check(h.get_structured_replies_negotiated(), "structured replies")
check(h.can_meta_context(nbd.CONTEXT_BASE_ALLOCATION), "base:allocation")
check(h.get_block_size(nbd.SIZE_MINIMUM) == 512, "minimum block size")
check(h.get_block_size(nbd.SIZE_PREFERRED) == preferred, "preferred block size")
check(h.get_block_size(nbd.SIZE_MAXIMUM) == 32 << 20, "maximum block size")

# Data commands.
a = os.urandom(1 << 20)
h.pwrite(a, 0)
check(h.pread(1 << 20, 0) == a, "read back 1 MiB")
b = data(4096)
h.pwrite(b, 1 << 20, nbd.CMD_FLAG_FUA)
check(h.pread(4096, 1 << 20) == b, "read back a FUA write")
check(h.pread(4096, 1 << 20, nbd.CMD_FLAG_DF) == b, "DF read")
h.flush()
h.flush(nbd.CMD_FLAG_FUA)
h.trim(65536, 2 << 20)
h.cache(1 << 20, 0)
tail = data(8192)
h.pwrite(tail, size - 8192)
check(h.pread(8192, size - 8192) == tail, "write and read the last 8 KiB")

# Write zeroes: small, and long (several chunks); the whole range reads back as zeroes.
h.pwrite(os.urandom(3 << 20), 4 << 20)
h.zero(4096, 4 << 20, nbd.CMD_FLAG_NO_HOLE)
check(h.pread(8192, 4 << 20) == bytes(4096) + h.pread(4096, (4 << 20) + 4096), "small zero")
check(h.pread(4096, 4 << 20) == bytes(4096), "small zero reads as zeroes")
h.zero((3 << 20) - 4096, (4 << 20) + 4096, nbd.CMD_FLAG_FUA)
check(h.pread(3 << 20, 4 << 20) == bytes(3 << 20), "long zero reads as zeroes")
expect_error("ENOTSUP", "fast zero", lambda: h.zero(4096, 0, nbd.CMD_FLAG_FAST_ZERO))
check(h.pread(4096, 0) == a[:4096], "a refused fast zero leaves the data")

# Block status: one allocated data extent, with and without REQ_ONE.
for flags in [0, nbd.CMD_FLAG_REQ_ONE]:
    seen = []
    h.block_status(65536, 4096, lambda ctx, off, entries, err: seen.append((ctx, off, entries)), flags)
    check(len(seen) == 1 and seen[0][0] == nbd.CONTEXT_BASE_ALLOCATION, "one context")
    check(seen[0][1] == 4096 and seen[0][2] == [65536, 0], "one data extent: %s" % (seen,))

# Out of range and overflowing offsets: errors, and the connection stays usable.
expect_error("EINVAL", "read past the end", lambda: h.pread(8192, size - 4096))
expect_error("EINVAL", "read at the end", lambda: h.pread(512, size))
expect_error("EINVAL", "read at 2^64-4096", lambda: h.pread(8192, 2**64 - 4096))
expect_error("EINVAL", "read at 2^63", lambda: h.pread(512, 2**63))
expect_error("ENOSPC", "write past the end", lambda: h.pwrite(bytes(1024), size - 512))
expect_error("ENOSPC", "zero past the end", lambda: h.zero(4096, size))
expect_error("EINVAL", "trim past the end", lambda: h.trim(4096, size))
expect_error("EINVAL", "cache past the end", lambda: h.cache(4096, size))
expect_error("EINVAL", "block status past the end",
             lambda: h.block_status(4096, size, lambda *args: 0))

# Unaligned and oversized.
expect_error("EINVAL", "unaligned read offset", lambda: h.pread(512, 1))
expect_error("EINVAL", "unaligned read length", lambda: h.pread(100, 0))
expect_error("EINVAL", "unaligned write", lambda: h.pwrite(bytes(513), 0))
expect_error("EINVAL", "unaligned trim", lambda: h.trim(1000, 0))
expect_error("EINVAL", "read over the maximum", lambda: h.pread((32 << 20) + 512, 0))
expect_error("EINVAL", "write over the maximum", lambda: h.pwrite(bytes((32 << 20) + 4096), 0))
check(h.pread(1 << 20, 0) == a, "data intact after refused writes")

# Zero-length requests succeed.
check(h.pread(0, 4096) == b"", "zero-length read")
h.pwrite(b"", 4096)
h.trim(0, 4096)
h.zero(0, 4096)
h.cache(0, 4096)
check(h.pread(1 << 20, 0) == a, "data intact after zero-length requests")

# Unknown command flags.
expect_error("EINVAL", "unknown flag on a read", lambda: h.pread(512, 0, 1 << 5))

# The largest requests.
big = os.urandom(32 << 20)
h.pwrite(big, 8 << 20)
check(h.pread(32 << 20, 8 << 20) == big, "32 MiB round trip")

# Multi-conn: a write acknowledged on one connection, flushed on another, read on a third.
h2 = connect()
h3 = connect()
c = data(65536)
h.pwrite(c, 65536)
h2.flush()
check(h3.pread(65536, 65536) == c, "multi-conn flush and read")

# Requests queued before the disconnect are all answered (they do not overlap: requests in flight
# together have no defined order).
d = data(4096)
w = h2.aio_pwrite(d, 1 << 21)
buf = nbd.Buffer(65536)
r = h2.aio_pread(buf, 65536)
f = h2.aio_flush()
h2.shutdown()
for cookie in (w, r, f):
    check(h2.aio_command_completed(cookie), "queued request %d answered before disconnect" % cookie)
check(buf.to_bytearray() == c, "queued read")
check(h3.pread(4096, 1 << 21) == d, "queued write")
h3.shutdown()
h.shutdown()
print("all %d protocol checks passed" % checks)

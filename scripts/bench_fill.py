#!/usr/bin/env python3
"""Bulk-fills a stopped signer's repository for scripts/bench's growth measurements.

Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.

Usage: scripts/bench_fill.py REPOSITORY_SQLITE COUNT

Adds COUNT certificates of the CA of the newest certificate in the repository, as the signer
would have stored them (docs/repository.md): one `certificates` row, one `requests` row and
one `issue` audit entry each, the audit chain extended with the signer's own entry hash
(cassiopeia-server/src/repository/audit_log.cpp: SHA-256 over seq as u64 LE, then time, kind
and detail each as u32 LE length and bytes, then the previous hash), so `cassiopeia-server
audit-verify` still accepts the repository. What is not real: every added row carries the DER
of that newest certificate (same size, same CA, same validity; the serial inside the DER is
not the row's), the request hash is the SHA-256 of the request id and the log is a short
fixed text. Serials are 5B followed by the number in 30 hex digits, so they sort after no
random serial in particular and never collide with the signer's own 16-byte random ones.
The signer must be stopped; prints the serials, one a line, on stdout.
"""

import datetime
import hashlib
import sqlite3
import struct
import sys


def utc(seconds):
    t = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_hash(seq, time, kind, detail, prev_hex):
    h = hashlib.sha256()
    h.update(struct.pack("<Q", seq))
    for field in (time, kind, detail):
        data = field.encode()
        h.update(struct.pack("<I", len(data)))
        h.update(data)
    h.update(bytes.fromhex(prev_hex))
    return h.hexdigest()


def chain_tip(db):
    row = db.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    last_seq, prev = (row[0], row[1]) if row else (0, "0" * 64)
    used = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").fetchone()
    return max(last_seq, used[0] if used else 0) + 1, prev


def fill(path, count):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous = OFF")
    db.execute("BEGIN IMMEDIATE")
    ca, der, not_before, not_after = db.execute(
        "SELECT ca, der, not_before, not_after FROM certificates "
        "ORDER BY issued_at DESC LIMIT 1").fetchone()
    cert_sha = hashlib.sha256(der).hexdigest()
    log = b"bench fill\n"
    log_sha = hashlib.sha256(log).hexdigest()
    now = int(datetime.datetime.now(tz=datetime.timezone.utc).timestamp())
    stamp = utc(now)
    seq, prev = chain_tip(db)
    certs, requests, audit, serials = [], [], [], []
    for i in range(count):
        serial = "5B%030X" % i
        request_id = "bench-fill:%d" % i
        request_hash = hashlib.sha256(request_id.encode()).digest()
        certs.append((serial, ca, der, not_before, not_after, now))
        requests.append((request_id, request_hash, log, der, ca, serial, now))
        detail = ("request_id=%s ca=%s serial=%s not_before=%s not_after=%s request_hash=%s "
                  "log_sha256=%s cert_sha256=%s issued_at=%s" %
                  (request_id, ca, serial, utc(not_before), utc(not_after),
                   request_hash.hex(), log_sha, cert_sha, stamp))
        digest = entry_hash(seq, stamp, "issue", detail, prev)
        audit.append((seq, stamp, "issue", detail, prev, digest))
        seq, prev = seq + 1, digest
        serials.append(serial)
    db.executemany("INSERT INTO certificates (serial, ca, der, not_before, not_after, issued_at) "
                   "VALUES (?, ?, ?, ?, ?, ?)", certs)
    db.executemany("INSERT INTO requests (request_id, request_hash, log, result, signing_ca, "
                   "serial, created) VALUES (?, ?, ?, ?, ?, ?, ?)", requests)
    db.executemany("INSERT INTO audit_log (seq, time, kind, detail, prev_hash, hash) "
                   "VALUES (?, ?, ?, ?, ?, ?)", audit)
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    sys.stdout.write("".join(s + "\n" for s in serials))


def main():
    if len(sys.argv) != 3 or not sys.argv[2].isdigit():
        sys.stderr.write("usage: bench_fill.py REPOSITORY_SQLITE COUNT\n")
        return 2
    fill(sys.argv[1], int(sys.argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

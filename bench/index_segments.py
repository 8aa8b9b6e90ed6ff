#!/usr/bin/env python3
"""Prints how many segments each of standin's `users_search_*` trigram indexes has,
for bench/run.sh: `name 6 username 1 email 1 uuid 1`. Not part of the product.

    python3 bench/index_segments.py DB

Reads FTS5's structure record (row 10 of each index's `_data` table): a 4-byte
cookie, 4 marker bytes in the newer layout, then varints for the number of levels and
the number of segments. Safe next to a running server (a read in WAL mode).
"""

import sqlite3
import sys


def varint(block, i):
    value = 0
    for k in range(9):
        byte = block[i + k]
        if k == 8:
            return (value << 8) | byte, i + 9
        value = (value << 7) | (byte & 0x7F)
        if byte & 0x80 == 0:
            return value, i + k + 1
    raise ValueError("varint too long")


def main():
    db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
    counts = []
    for column in ("name", "username", "email", "uuid"):
        row = db.execute(
            "SELECT block FROM users_search_%s_data WHERE id = 10" % column
        ).fetchone()
        if row is None:
            counts.append("%s 0" % column)
            continue
        block, i = row[0], 4
        if block[4:8] == b"\xff\x00\x00\x01":
            i = 8
        _levels, i = varint(block, i)
        segments, i = varint(block, i)
        counts.append("%s %d" % (column, segments))
    print(" ".join(counts))


main()

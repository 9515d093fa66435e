#!/usr/bin/env python3
"""Prints the cursor of the record at a given depth of a list, for bench/query-scale.sh.

    deep_cursor.py BASE_URL KEY PATH QUERY DEPTH KEY_ATTRIBUTES

Reads that record once by page number (one slow offset query, outside the timing), then writes
its cursor the way orgbase does (src: crates/orgbase-http/src/cursor.rs): base64url of
{"s": scope, "v": values, "i": id}, the scope being the first 9 bytes of SHA-256 over the path
and the sorted `sort`/`filter[...]` pairs, each part preceded by its byte length (u64, LE).
KEY_ATTRIBUTES are the sort keys, comma-separated (`id` for the id), in the query's order.
"""
import base64
import hashlib
import json
import struct
import sys
import urllib.parse
import urllib.request

base, key, path, query, depth, attributes = sys.argv[1:7]
pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
names = [a for a in attributes.split(",") if a != "id"]
fetch = urllib.parse.urlencode(
    pairs + [("page[size]", "1"), ("page[number]", depth), ("fields[organizations]", ",".join(names))]
)
request = urllib.request.Request(f"{base}{path}?{fetch}", headers={"Authorization": f"Token {key}"})
with urllib.request.urlopen(request) as response:
    page = json.load(response)
if not page["data"]:
    # Fewer matches than the depth (small runs): the last page's start instead.
    last = max(1, page["meta"]["total"] - 99)
    request = urllib.request.Request(request.full_url.replace(f"page%5Bnumber%5D={depth}", f"page%5Bnumber%5D={last}"), headers=request.headers)
    with urllib.request.urlopen(request) as response:
        page = json.load(response)
record = page["data"][0]
values = [record["id"] if a == "id" else record["attributes"][a] for a in attributes.split(",")]

digest = hashlib.sha256(path.encode())
for name, value in sorted(p for p in pairs if p[0] == "sort" or p[0].startswith("filter[")):
    for part in (name.encode(), value.encode()):
        digest.update(struct.pack("<Q", len(part)))
        digest.update(part)
scope = base64.urlsafe_b64encode(digest.digest()[:9]).rstrip(b"=").decode()
document = json.dumps({"s": scope, "v": values, "i": record["id"]}, separators=(",", ":"))
print(base64.urlsafe_b64encode(document.encode()).rstrip(b"=").decode())

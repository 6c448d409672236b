#!/usr/bin/env python3
"""Counts the HTTP handlers of PortalAPI and PortalWeb and lists those over 15 lines
(CONVENTIONS.md: a handler parses, calls one use case and maps the result)."""
import glob
import re
import sys

def handlers(path):
    lines = open(path).read().split("\n")
    index = 0
    while index < len(lines):
        if re.search(r"@Sendable func \w+\(", lines[index]):
            start, depth, end = index, 0, index
            while True:
                depth += lines[end].count("{") - lines[end].count("}")
                if depth == 0 and "{" in "".join(lines[start:end + 1]):
                    break
                end += 1
            yield end - start + 1, lines[start].strip()
            index = end
        index += 1

limit = int(sys.argv[1]) if len(sys.argv) > 1 else 15
found = [(n, path, head) for path in glob.glob("Sources/PortalAPI/**/*.swift", recursive=True) + glob.glob("Sources/PortalWeb/**/*.swift", recursive=True)
         for n, head in handlers(path)]
long = sorted((row for row in found if row[0] > limit), reverse=True)
print(f"{len(found)} handlers, {len(long)} over {limit} lines")
for n, path, head in long:
    print(f"  {n:3d}  {path}: {head[:80]}")

#!/usr/bin/env python3
"""Functions over 120 lines in runtime/src and engine/src, tests left out. A function may stay
longer with a comment line `// long: <reason>` just above its `fn` line (and its attributes).

Run: python3 tools/long_functions.py   (exit 1 when a long function gives no reason)
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIMIT = 120
FN = re.compile(r"^\s*(pub(\([\w ]+\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?(extern\s+\"C\"\s+)?fn\s+(\w+)")


def strip(line):
    line = re.sub(r"'(\\.|[^'\\])'", "''", line)
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    return line.split("//")[0]


def main():
    bad = 0
    for top in ("runtime/src", "engine/src"):
        for d, _, files in os.walk(os.path.join(ROOT, top)):
            for f in sorted(files):
                if not f.endswith(".rs") or f == "tests.rs":
                    continue
                path = os.path.join(d, f)
                lines = open(path, encoding="utf-8").read().split("\n")
                for i, l in enumerate(lines):
                    if re.match(r"^#\[cfg\(test\)\]", l) and i + 1 < len(lines) and lines[i + 1].startswith("mod tests"):
                        lines = lines[:i]
                        break
                i = 0
                while i < len(lines):
                    m = FN.match(lines[i])
                    if not m:
                        i += 1
                        continue
                    depth, j, opened = 0, i, False
                    while j < len(lines):
                        s = strip(lines[j])
                        if not opened and ";" in s and "{" not in s:
                            break
                        depth += s.count("{") - s.count("}")
                        opened = opened or "{" in s
                        if opened and depth <= 0:
                            break
                        j += 1
                    n = j - i + 1
                    if opened and n > LIMIT:
                        k = i - 1
                        while k > 0 and lines[k].strip().startswith("#["):
                            k -= 1
                        reason = lines[k].strip() if k >= 0 else ""
                        rel = os.path.relpath(path, ROOT)
                        ok = reason.startswith("// long:")
                        print(f"{rel}:{i + 1} {m.group(7)}: {n} lines" + (f"  ({reason[3:]})" if ok else ""))
                        bad += 0 if ok else 1
                    i += 1
    print("ok" if not bad else f"{bad} long function(s) without a reason")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

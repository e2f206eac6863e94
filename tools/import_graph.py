#!/usr/bin/env python3
"""The import graph of the engine crate (engine/src) and of runtime/src/lua, from the `use` lines
and `crate::`/`super::` paths in the code (tests left out). Fails (exit 1) on a circle, or on an
import that climbs back up (a module importing from one of its ancestors, the crate root
included), or on a file importing a file of its own rank or above in a ranked folder (RANKS). A
name the root only re-exports (`pub use m::X`) counts as an import of `m`.

Run: python3 tools/import_graph.py [--edges]
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRATES = [("engine", "engine/src", "lib.rs", ""), ("runtime", "runtime/src", "main.rs", "lua")]
# Folders whose files stand in ranks: a file imports only from lower ranks, so files of the same
# rank (the binding files of the `engine` Lua module, one per area) never import each other.
RANKS = {
    ("runtime", ("lua", "engine")): {"vocab": 0, "values": 1, "spec": 2, "*": 3},
    ("engine", ("stream",)): {"layout": 0, "spec": 1, "program": 2, "compile": 3, "impl_engine": 4},
}


def modules(src, root_file):
    """{module path (tuple): file} for every .rs file under src."""
    out = {}
    for d, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs") or f == "tests.rs":
                continue
            rel = os.path.relpath(os.path.join(d, f), src)
            parts = rel[:-3].split(os.sep)
            if parts[-1] == "mod" or rel == root_file:
                parts = parts[:-1] if parts[-1] == "mod" else []
            out[tuple(parts)] = os.path.join(d, f)
    return out


def code(path):
    """The file's code without comments, strings and test modules."""
    text = open(path, encoding="utf-8").read()
    cut = re.search(r"^#\[cfg\(test\)\]\s*\nmod tests", text, re.M)
    if cut:
        text = text[: cut.start()]
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r'r#*"(?:.|\n)*?"#*', '""', text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    return text


def expand(prefix, body):
    """`a::{b, c::{d}}` as the list of full paths."""
    out, depth, cur = [], 0, ""
    for ch in body + ",":
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            item = cur.strip()
            cur = ""
            if not item:
                continue
            m = re.match(r"^([\w:]*?)::\{(.*)\}$", item, re.S)
            if m:
                out += expand(prefix + [p for p in m.group(1).split("::") if p], m.group(2))
            else:
                out.append(prefix + [p for p in item.split(" as ")[0].strip().split("::") if p])
            continue
        cur += ch
    return out


def paths(text):
    """Every path the code names from crate:: / super:: / self::."""
    found = []
    for m in re.finditer(r"\buse\s+([^;]+);", text):
        found += expand([], m.group(1))
    for m in re.finditer(r"\b((?:crate|super|self)(?:::(?:super|\w+))+)", text):
        found.append(m.group(1).split("::"))
    return [p for p in found if p and p[0] in ("crate", "super", "self")]


def resolve(path, here, mods, reexports):
    """The module a path names, as a tuple; None for names outside the crate."""
    base, rest = list(here), list(path)
    if rest[0] == "crate":
        base, rest = [], rest[1:]
    elif rest[0] == "self":
        rest = rest[1:]
    while rest and rest[0] == "super":
        base, rest = base[:-1], rest[1:]
    full = base + rest
    best = ()
    for i in range(len(full), -1, -1):
        if tuple(full[:i]) in mods:
            best = tuple(full[:i])
            break
    if best == () and full and full[0] in reexports:
        return reexports[full[0]]
    return best


def main():
    show = "--edges" in sys.argv
    bad = []
    for crate, src, root_file, scope in CRATES:
        src = os.path.join(ROOT, src)
        mods = modules(src, root_file)
        reexports = {}
        for m in re.finditer(r"\bpub use\s+([^;]+);", code(mods[()])):
            for p in expand([], m.group(1)):
                target = tuple(p[:-1])
                while target and target not in mods:
                    target = target[:-1]
                if target:
                    reexports[p[-1]] = target
        edges = {}
        for mod, f in mods.items():
            for p in paths(code(f)):
                t = resolve(p, mod, mods, reexports)
                if t is not None and t != mod:
                    edges.setdefault(mod, set()).add(t)
        in_scope = lambda m: not scope or (m[:1] == (scope,))
        name = lambda m: crate + "::" + "::".join(m) if m else crate + " (root)"
        for a in sorted(edges):
            for b in sorted(edges[a]):
                if show and in_scope(a):
                    print(f"{name(a)} -> {name(b)}")
                if in_scope(a) and len(b) < len(a) and a[: len(b)] == b:
                    bad.append(f"climbs up: {name(a)} imports from its ancestor {name(b)}")
        for (c, folder), ranks in RANKS.items():
            if c != crate:
                continue
            rank = lambda m: ranks.get(m[-1], ranks.get("*")) if m[:-1] == folder and len(m) == len(folder) + 1 else None
            for a in sorted(edges):
                for b in sorted(edges[a]):
                    ra, rb = rank(a), rank(b)
                    if ra is not None and rb is not None and rb >= ra:
                        bad.append(f"rank: {name(a)} (rank {ra}) imports {name(b)} (rank {rb})")
        # Circles: strongly connected components with more than one module.
        index, low, stack, on, comps, n = {}, {}, [], set(), [], [0]

        def visit(v):
            index[v] = low[v] = n[0]
            n[0] += 1
            stack.append(v)
            on.add(v)
            for w in edges.get(v, ()):
                if w not in index:
                    visit(w)
                    low[v] = min(low[v], low[w])
                elif w in on:
                    low[v] = min(low[v], index[w])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    comps.append(comp)

        sys.setrecursionlimit(10000)
        for v in list(mods):
            if v not in index:
                visit(v)
        for comp in comps:
            if any(in_scope(m) for m in comp):
                bad.append("circle: " + ", ".join(sorted(name(m) for m in comp)))
        n_edges = sum(len(v) for k, v in edges.items() if in_scope(k))
        scope_name = f"{crate}/src/{scope}" if scope else f"{crate}/src"
        print(f"{scope_name}: {sum(1 for m in mods if in_scope(m))} modules, {n_edges} import edges")
    for b in bad:
        print(b)
    print("ok: no circle, nothing climbs up" if not bad else f"{len(bad)} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

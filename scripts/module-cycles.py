#!/usr/bin/env python3
"""Import cycles between the modules (files) of each crate: prints every cycle (a strongly
connected set of two or more modules) and exits 1 if there is one.

usage: module-cycles.py [CRATE_DIR ...]   (default: every crates/*)

A module is a file: `lib.rs`/`main.rs` the root, `a.rs` or `a/mod.rs` is `a`, `a/b.rs` is
`a::b`. An edge is a path to another module: `crate::a::b::Item`, `$crate::Item`, or
`super::...` outside an inline module. A name the root re-exports (`pub use a::{X, Y}`) leads
to the module it comes from, so a re-export is not a way around the check. Inline modules
(`mod imp { ... }`) count as their file. Comments, doc comments included (an intra-doc link
is not an import), are skipped; a path in a string would count, the safe direction for a check."""
import pathlib
import re
import sys

PATH = re.compile(r"(\$crate|crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
USE_GROUP = re.compile(r"(?:\$crate|crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^}]*)\}", re.S)
REEXPORT = re.compile(r"pub use ([a-z_][a-z0-9_]*)(?:::[a-z_][a-z0-9_]*)*::\{([^}]*)\}|pub use ([a-z_][a-z0-9_]*)((?:::[A-Za-z_][A-Za-z0-9_]*)+);", re.S)


def module_name(src, path):
    rel = path.relative_to(src).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] in ("lib", "main", "mod"):
        parts = parts[:-1]
    return "::".join(parts)


def strip_comments(text):
    """Drops comment lines (doc comments too: an intra-doc link is not an import) and trailing
    `//` comments on lines without a string."""
    out = []
    for line in text.splitlines():
        if line.lstrip().startswith("//"):
            out.append("")
        elif "//" in line and '"' not in line:
            out.append(line.split("//", 1)[0])
        else:
            out.append(line)
    return "\n".join(out)


def crate_graph(crate):
    src = crate / "src"
    files = {module_name(src, p): p for p in src.rglob("*.rs")}
    if "" not in files:
        return {}
    modules = set(files)
    root = strip_comments(files[""].read_text())
    exported = {}
    for m in REEXPORT.finditer(root):
        if m.group(1):
            for name in re.split(r"[,\s]+", m.group(2)):
                if name and name not in ("self",):
                    exported[name.split(" as ")[-1]] = m.group(1)
        else:
            exported[m.group(4).split("::")[-1]] = m.group(3)

    def resolve(segments):
        """The module a path (segments after `crate`) lands in, or None for the root."""
        for n in range(len(segments), 0, -1):
            cand = "::".join(segments[:n])
            if cand in modules:
                return cand
        if segments and segments[0] in exported and exported[segments[0]] in modules:
            return exported[segments[0]]
        return None

    graph = {m: set() for m in modules}
    for mod, path in files.items():
        text = strip_comments(path.read_text())
        parent = mod.rsplit("::", 1)[0] if "::" in mod else ""
        depth = 0
        refs = []
        for line in text.splitlines():
            for m in PATH.finditer(line):
                kind, rest = m.group(1), m.group(2).split("::")[1:]
                if kind == "super":
                    if depth > 0:
                        continue  # inside an inline module: the file itself
                    base = parent.split("::") if parent else []
                    refs.append(base + rest)
                else:
                    refs.append(rest)
            for m in USE_GROUP.finditer(line):
                prefix = [s for s in m.group(1).split("::") if s]
                for name in re.split(r"[,\s]+", m.group(2)):
                    if name and name != "self":
                        refs.append(prefix + [name.split("::")[0]])
            depth += line.count("{") - line.count("}") if re.match(r"\s*(pub(\([^)]*\))?\s+)?mod \w+ \{", line) or depth else 0
        for segs in refs:
            target = resolve(segs)
            if target is not None and target != mod and mod != "":
                graph[mod].add(target)
    return graph


def cycles(graph):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
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
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    crates = [pathlib.Path(a) for a in sys.argv[1:]] or sorted(pathlib.Path("crates").glob("*"))
    found = 0
    for crate in crates:
        for comp in cycles(crate_graph(crate)):
            found += 1
            print(f"{crate.name}: import cycle between {', '.join(comp)}")
    print(f"{found} import cycle(s) in {len(crates)} crate(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

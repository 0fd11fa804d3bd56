#!/usr/bin/env python3
"""Check that README.md and README.zh-CN.md say the same things where they must.

1. Both link each other at the top.
2. The generated backend table (between the backend-table markers, markers included) is
   byte-for-byte identical.
3. Both name the same contract error kinds in backticks, and every kind of the contract
   (phone_core::ErrorKind, read from crates/phone-core/src/error.rs) is named in both.
4. Both list the same commands: every line of a ```sh block that starts with `cargo ` or
   `alipay-phone `, with its trailing `# comment` removed (comments are translated).

Run from anywhere: python3 scripts/check-readmes.py. Exit 0 when all hold, 1 otherwise.
"""

import collections
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
EN = ROOT / "README.md"
ZH = ROOT / "README.zh-CN.md"
ERROR_RS = ROOT / "crates" / "phone-core" / "src" / "error.rs"

TABLE_START = "<!-- backend-table:start -->"
TABLE_END = "<!-- backend-table:end -->"
EN_LINK = "[中文](README.zh-CN.md)"
ZH_LINK = "[English](README.md)"
TOP_LINES = 5


def contract_kinds():
    """The kind strings of `pub enum ErrorKind`, from the doc comment on each variant."""
    src = ERROR_RS.read_text(encoding="utf-8")
    m = re.search(r"pub enum ErrorKind \{(.*?)\n\}", src, re.S)
    if not m:
        sys.exit(f"check-readmes: cannot find `pub enum ErrorKind` in {ERROR_RS}")
    kinds = re.findall(r"///\s*`([a-z0-9_]+)`", m.group(1))
    if len(kinds) < 13:
        sys.exit(f"check-readmes: found only {len(kinds)} kinds in {ERROR_RS}: {kinds}")
    return kinds


def backend_table(text):
    start = text.find(TABLE_START)
    end = text.find(TABLE_END)
    if start < 0 or end < 0 or end < start:
        return None
    return text[start : end + len(TABLE_END)]


def backticked_kinds(text, kinds):
    found = set(re.findall(r"`([^`\n]+)`", text))
    return {k for k in kinds if k in found}


def sh_commands(text):
    commands = []
    in_sh = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            in_sh = not in_sh and stripped == "```sh"
            continue
        if in_sh and (stripped.startswith("cargo ") or stripped.startswith("alipay-phone ")):
            commands.append(re.sub(r"\s+#.*$", "", stripped))
    return commands


def main():
    en = EN.read_text(encoding="utf-8")
    zh = ZH.read_text(encoding="utf-8")
    problems = []

    # 1. Links at the top.
    if EN_LINK not in "\n".join(en.splitlines()[:TOP_LINES]):
        problems.append(f"README.md: no `{EN_LINK}` link in its first {TOP_LINES} lines")
    if ZH_LINK not in "\n".join(zh.splitlines()[:TOP_LINES]):
        problems.append(f"README.zh-CN.md: no `{ZH_LINK}` link in its first {TOP_LINES} lines")

    # 2. Backend table.
    t_en, t_zh = backend_table(en), backend_table(zh)
    if t_en is None:
        problems.append(f"README.md: no {TABLE_START} ... {TABLE_END} block")
    if t_zh is None:
        problems.append(f"README.zh-CN.md: no {TABLE_START} ... {TABLE_END} block")
    if t_en is not None and t_zh is not None and t_en != t_zh:
        en_lines, zh_lines = t_en.splitlines(), t_zh.splitlines()
        diff = [
            f"    README.md:       {a!r}\n    README.zh-CN.md: {b!r}"
            for a, b in zip(en_lines + [""] * len(zh_lines), zh_lines + [""] * len(en_lines))
            if a != b
        ][:3]
        problems.append(
            "the backend table differs (copy it byte for byte from README.md, markers included):\n"
            + "\n".join(diff)
        )

    # 3. Error kinds.
    kinds = contract_kinds()
    k_en, k_zh = backticked_kinds(en, kinds), backticked_kinds(zh, kinds)
    for name, found in (("README.md", k_en), ("README.zh-CN.md", k_zh)):
        missing = [k for k in kinds if k not in found]
        if missing:
            problems.append(
                f"{name}: contract error kinds never named in backticks: "
                + ", ".join(f"`{k}`" for k in missing)
            )

    # 4. Commands.
    c_en, c_zh = collections.Counter(sh_commands(en)), collections.Counter(sh_commands(zh))
    if not c_en:
        problems.append("README.md: no `cargo ` / `alipay-phone ` lines in ```sh blocks")
    for name, ours, theirs in (("README.md", c_en, c_zh), ("README.zh-CN.md", c_zh, c_en)):
        other = "README.zh-CN.md" if name == "README.md" else "README.md"
        for cmd in sorted((ours - theirs).elements()):
            problems.append(f"command in {name} but not in {other} (```sh blocks): {cmd}")

    if problems:
        print("check-readmes: README.md and README.zh-CN.md disagree:", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        sys.exit(1)
    print(
        f"check-readmes: ok ({len(kinds)} error kinds, {sum(c_en.values())} commands, "
        "backend table identical, cross-links present)"
    )


if __name__ == "__main__":
    main()

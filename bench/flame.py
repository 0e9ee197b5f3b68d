"""Summarise a py-spy raw (collapsed-stack) profile: where the server spends its time.

Usage: python -m bench.flame PROFILE.txt [--top 25] [--under NAME]
Prints inclusive and self shares per function, and self shares per package (the app's
own modules, the framework's, gevent's, the standard library's). py-spy records busy
samples only (no --idle), so the shares are of the time the server's one core was working.
"""

from __future__ import annotations

import argparse
import collections
import functools
import importlib.util
import re
from pathlib import Path


def frames(stack: str) -> list[str]:
    # py-spy frames read "function (file.py:line)"; drop the line to merge a function.
    return [re.sub(r":\d+\)$", ")", f) for f in stack.split(";") if f]


@functools.cache
def _top_level(name: str) -> str:
    """Say where a top-level module comes from: its own name when installed, else stdlib."""
    if name in ("facilitator", "bench"):
        return name
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return "native"
    origin = (spec.origin or "") if spec else ""
    return name if "-packages" in origin else "stdlib"


def package(frame: str) -> str:
    """Name the package a frame's file belongs to: `facilitator`, `engineio`, `stdlib`..."""
    found = re.search(r"\(([^()]*)\)$", frame)
    path = found.group(1) if found else ""
    if not path.endswith(".py"):
        return "native"
    if "-packages/" in path:
        path = path.split("-packages/", 1)[1]
    if path.startswith("<"):
        return "stdlib"
    return _top_level(path.split("/", 1)[0].removesuffix(".py"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--under", default="", help="only stacks passing through this")
    args = parser.parse_args()
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    busy = 0
    for line in Path(args.profile).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        chain = frames(stack)
        if args.under and not any(args.under in f for f in chain):
            continue
        busy += n
        own[chain[-1]] += n
        for f in set(chain):
            inclusive[f] += n
    print(f"busy samples {busy}")
    print("\ninclusive (share of busy samples):")
    for f, n in inclusive.most_common(args.top):
        print(f"{100 * n / busy:6.1f}%  {f}")
    print("\nself:")
    for f, n in own.most_common(args.top):
        print(f"{100 * n / busy:6.1f}%  {f}")
    packages: collections.Counter[str] = collections.Counter()
    for f, n in own.items():
        packages[package(f)] += n
    print("\nself, by package:")
    for name, n in packages.most_common():
        print(f"{100 * n / busy:6.1f}%  {name}")


if __name__ == "__main__":
    main()

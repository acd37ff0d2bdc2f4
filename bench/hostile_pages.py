#!/usr/bin/env python3
"""Pages built to be hard, one at a time: prints how long promolint takes on each and its peak memory.

    bench/hostile_pages.py [PROMOLINT] [SCALE]

PROMOLINT defaults to target/release/promolint; SCALE (default 1) multiplies every page's size.
Work on a page should grow with its size: doubling SCALE should roughly double each time. A page
whose time grows by four when SCALE doubles has a scan that is quadratic in something on the page.
A figure, not a test: this machine is shared and noisy. Each page is checked on its own, in a fresh
temporary handbook (`content/handbook/`, with an include file under `assets/`).
"""
import os
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "target", "release", "promolint")
scale = int(sys.argv[2]) if len(sys.argv) > 2 else 1
n = 10_000 * scale


def front(body, title="x"):
    return f"---\ntitle: {title}\n---\n" + body


PAGES = {
    # Headings of one text: Hugo numbers them -1, -2, ...
    "same-headings": front("## Same\n\n" * n),
    "same-included-headings": front('{{% include "x.md" %}}\n' * (n // 10)),
    # Many links, and many findings, on one line: columns are counted in characters.
    "links-on-one-line": front("".join(f"é [a](missing{i % 50}.md#x) " for i in range(n))),
    "anchors-on-one-line": front("".join(f"[a](#nope{i}) " for i in range(n))),
    # Raw HTML ids and anchors, with and without the tag's `<` near.
    "id-attributes-no-tag": front(" id=x" * (2 * n) + "\n"),
    "id-attributes-one-tag": front("<" + " id=x" * (2 * n) + "\n"),
    "html-links-and-code": front('<a href="x.md">x</a> `c` ' * n + "\n"),
    # Sections, each with a link: section paths and the link store's sections.
    "sections-with-links": front("".join(f"## H{i}\n\n[a](x{i}.md)\n\n" for i in range(n))),
    "sections-with-html-links": front("".join(f'## H{i}\n\n<a href="x{i}.md">x</a>\n\n' for i in range(n))),
    # Comments and code spans asking about each other; fenced blocks and list-item headings.
    "comments-and-code": front("".join(f"`c{i}` " for i in range(n)) + "\n\n" + "<!-- x -->\n\n" * n),
    "fences-and-list-headings": front("```\nx\n```\n\n" * n + "- # h\n\n" * n),
    # Shortcodes that never close.
    "unclosed-includes": front("{{% include " * n + "\n"),
    "unclosed-comments": front("<!-- " * n + "\n"),
    # Footnotes, block attributes, suppressions.
    "footnotes": front("".join(f"[^{i}]\n\n[^{i}]: x\n" for i in range(n))),
    "block-attributes": front("{#a}\n" * n),
    "suppressions": front("".join(f"<!-- promolint-disable-next-line -->\n[a](x{i}.md)\n" for i in range(n))),
    # Front matter: many keys, misspelled; YAML aliases and nesting.
    "front-matter-keys": "---\n" + "".join(f"titel{i}: x\n" for i in range(n)) + "---\n",
    "front-matter-alias-bomb": "---\na: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n---\n",
    "front-matter-nesting": "---\na: " + "[" * 5000 + "]" * 5000 + "\n---\n",
    # A promotion document: placeholders among links (images inside links too).
    "promotion-placeholders": "---\ntype: promotion\ntitle: x\n---\n## Competencies\n\n"
    + "".join(
        f"TODO [x](https://gitlab.example.com/a/-/issues/{i}) TBD [![i](https://x.test/{i}.png)](https://x.test/{i})\n"
        for i in range(n)
    ),
}

print(f"{'page':28} {'MB':>6} {'seconds':>8} {'peak MB':>8}  exit")
worst = 0.0
for name, text in PAGES.items():
    with tempfile.TemporaryDirectory(prefix="hostile") as root:
        kind = "promotions" if name.startswith("promotion") else "content/handbook"
        os.makedirs(os.path.join(root, kind))
        os.makedirs(os.path.join(root, "content/handbook"), exist_ok=True)
        os.makedirs(os.path.join(root, "assets"))
        with open(os.path.join(root, "assets", "x.md"), "w") as f:
            f.write("## Inc\n" * 10)
        page = os.path.join(root, kind, f"{name}.md")
        with open(page, "w") as f:
            f.write(text)
        gnu_time = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None
        out = os.path.join(root, "time.txt")
        cmd = [binary, "check", "--format", "json", "--fail-on", "never", "--root", root, page]
        if gnu_time:
            cmd = [gnu_time, "-f", "%M", "-o", out] + cmd
        start = time.perf_counter()
        try:
            done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300)
            took, code = time.perf_counter() - start, str(done.returncode)
        except subprocess.TimeoutExpired:
            took, code = 300.0, "timed out"
        peak = "n/a"
        if gnu_time and os.path.exists(out):
            lines = open(out).read().split()
            peak = f"{int(lines[-1]) / 1024:.0f}" if lines and lines[-1].isdigit() else "n/a"
        worst = max(worst, took)
        print(f"{name:28} {len(text.encode()) / 1e6:6.1f} {took:8.2f} {peak:>8}  {code}")
print(f"slowest: {worst:.2f} s (SCALE={scale}; run again with SCALE doubled to see how each grows)")

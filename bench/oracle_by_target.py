#!/usr/bin/env python3
"""Agreement of promolint's broken-link/broken-anchor findings with the Hugo oracle, by target.

compare.py (../shared/tools/hugo-oracle) matches findings by (path, line). check-site.py finds a
finding's line by looking for the built `href` in the source; when Hugo's link render hook rewrote
the link (`x.md#y` -> `/handbook/.../x/#y`, `#y` -> `/handbook/page/#y`) the href is not in the
source, the oracle finding gets no line, and a linter that reports it is scored as a false positive.
This script matches each promolint finding that compare.py could not place to an oracle finding of
the same page with the same resolved target (path and fragment), and prints both figures.

Usage: oracle_by_target.py ORACLE.jsonl PROMOLINT.json
"""
import collections
import json
import re
import sys
from urllib.parse import unquote, urljoin, urlparse

oracle = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
ours = json.load(open(sys.argv[2], encoding="utf-8"))["findings"]


def page_url(src):
    rel = src[len("content/"):-len(".md")]
    for suffix in ("/_index", "/index"):
        if rel.endswith(suffix):
            rel = rel[: -len(suffix)]
    return ("/" + rel + "/").lower()


truth, excluded, targets = set(), set(), collections.defaultdict(set)
for f in oracle:
    for line in f["lines"]:
        (excluded if f["rule"] == "excluded" else truth).add((f["src"], line))
    if f["rule"] != "excluded":
        u = urlparse(urljoin("https://handbook.example" + page_url(f["src"]), f["href"]))
        targets[f["src"]].add((unquote(u.path).rstrip("/"), unquote(u.fragment) or None))
excluded -= truth


def target(f):
    """(path, fragment) promolint says the link leads to, from its message."""
    m = f["message"]
    for pattern, page in (
        (r"`([^`]*)` has no heading with the id `(.*)`$", None),
        (r"no heading on this page has the id `(.*)`$", page_url(f["path"])),
    ):
        a = re.search(pattern, m)
        if a:
            return (a.group(1), a.group(2)) if page is None else (page, a.group(1))
    a = re.search(r"nothing is published at `(.*)`$", m)
    return (a.group(1), None) if a else (None, None)


found = [f for f in ours if f["rule"] in ("broken-link", "broken-anchor")]
scored = [f for f in found if (f["path"], f["line"]) not in excluded]
by_line = [f for f in scored if (f["path"], f["line"]) in truth]
unplaced, by_target = [], []
for f in scored:
    if (f["path"], f["line"]) in truth:
        continue
    path, fragment = target(f)
    if path is not None and any(
        p == path.rstrip("/") and (fragment is None or fr == fragment) for p, fr in targets[f["path"]]
    ):
        by_target.append(f)
    else:
        unplaced.append(f)
print(json.dumps({
    "scored": len(scored),
    "agree_by_line": len(by_line),
    "agree_by_target_only": len(by_target),
    "precision_by_line": round(len(by_line) / max(len(scored), 1), 4),
    "precision_by_line_or_target": round((len(by_line) + len(by_target)) / max(len(scored), 1), 4),
    "disagree": [(f["path"], f["line"], f["message"][:100]) for f in unplaced[:10]],
}, indent=1))

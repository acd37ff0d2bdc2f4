#!/usr/bin/env python3
"""Generates a synthetic Hugo handbook tree: PAGES pages in nested sections with front matter,
headings, relative and absolute links (some broken) and an include. Usage: gen_tree.py OUT PAGES"""
import os, random, sys

out, pages = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
words = "team process review release support customer quality security data people plan build".split()
os.makedirs(f"{out}/assets/includes", exist_ok=True)
with open(f"{out}/assets/includes/shared.md", "w") as f:
    f.write("## Shared section\n\nIncluded text.\n")
paths = []
for i in range(pages):
    section = f"handbook/s{i % 40}/t{i % 7}"
    paths.append(f"{section}/page-{i}")
for i, p in enumerate(paths):
    d = f"{out}/content/{os.path.dirname(p)}"
    os.makedirs(d, exist_ok=True)
    for sec in (os.path.dirname(p), os.path.dirname(os.path.dirname(p))):
        idx = f"{out}/content/{sec}/_index.md"
        if not os.path.exists(idx):
            with open(idx, "w") as f:
                f.write(f"---\ntitle: {sec}\n---\n\n## Overview\n")
    body = [f"---\ntitle: Page {i}\ndescription: Synthetic page {i}.\n---\n"]
    for h in range(12):
        body.append(f"## {rng.choice(words).title()} {rng.choice(words)} {h}\n")
        for _ in range(6):
            target = rng.choice(paths)
            frag = f"#{rng.choice(words)}-{rng.choice(words)}-{rng.randrange(12)}"
            body.append(
                f"- The {rng.choice(words)} {rng.choice(words)} is described in [{rng.choice(words)}](/{target}/{frag}) "
                f"and [a sibling](page-{rng.randrange(pages)}.md) with more words to make a realistic line length.\n"
            )
        body.append("\n" + " ".join(rng.choice(words) for _ in range(120)) + "\n\n")
    if i % 10 == 0:
        body.append('{{% include "includes/shared.md" %}}\n')
    with open(f"{out}/content/{p}.md", "w") as f:
        f.write("".join(body))

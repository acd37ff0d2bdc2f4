#!/usr/bin/env python3
"""One timed run: `run_once.py DIR CMD...` prints "wall user sys peak-KB" of CMD run in DIR.

Wall time from a monotonic clock around the child alone (no shell in between), CPU and peak
memory from the child's own rusage: finer than /usr/bin/time's 10 ms steps, which are too coarse
for runs of a fifth of a second.
"""
import os, subprocess, sys, time

cwd, cmd = sys.argv[1], sys.argv[2:]
with open(os.devnull, "wb") as null:
    start = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=cwd, stdout=null, stderr=null)
    _, _, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
print(f"{wall:.4f} {usage.ru_utime:.3f} {usage.ru_stime:.3f} {usage.ru_maxrss}")

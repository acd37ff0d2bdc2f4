#!/usr/bin/env python3
"""One timed run: `run_once.py DIR CMD...` prints "wall user sys peak-KB" of CMD run in DIR.

Wall time from a monotonic clock at microsecond resolution (/usr/bin/time's %e has 10 ms steps,
too coarse for runs of a fifth of a second). CPU and peak memory come from /usr/bin/time, not from
this process's wait4: a child's peak RSS starts at its parent's size (Linux counts the pages the
child had before exec), and Python's ~14 MB would hide a small tool's own peak.
"""
import os, shutil, subprocess, sys, tempfile, time

cwd, cmd = sys.argv[1], sys.argv[2:]
gnu_time = shutil.which("time", path="/usr/bin:/bin")
with tempfile.NamedTemporaryFile("r", suffix=".time") as out, open(os.devnull, "wb") as null:
    wrapped = [gnu_time, "-f", "%U %S %M", "-o", out.name] + cmd if gnu_time else cmd
    start = time.perf_counter()
    try:
        child = subprocess.Popen(wrapped, cwd=cwd, stdout=null, stderr=null)
    except OSError as e:
        sys.exit(f"cannot run {cmd[0]}: {e}")
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    # 126/127: the command could not be run at all (time reports it so); other exit codes are
    # the tool's verdict (linters exit non-zero when they find something).
    if os.waitstatus_to_exitcode(status) in (126, 127):
        sys.exit(f"cannot run {cmd[0]}")
    # time prepends a line when the tool exits non-zero: the figures are on the last line.
    lines = [l.split() for l in out.read().splitlines() if l.strip()]
if gnu_time and lines and len(lines[-1]) == 3:
    user, system, peak = lines[-1]
else:
    user, system, peak = f"{usage.ru_utime:.3f}", f"{usage.ru_stime:.3f}", usage.ru_maxrss
print(f"{wall:.6f} {user} {system} {peak}")

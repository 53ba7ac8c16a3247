#!/usr/bin/env python3
"""Runs a command, prints its wall time and peak RSS (os.wait4: this child only)."""
import os
import subprocess
import sys
import time

t = time.monotonic()
p = subprocess.Popen(sys.argv[1:])
_, status, ru = os.wait4(p.pid, 0)
wall = time.monotonic() - t
code = os.waitstatus_to_exitcode(status)
print(f"exit={code} wall_s={wall:.2f} peak_rss_mib={ru.ru_maxrss / 1024:.1f}", flush=True)
sys.exit(code)

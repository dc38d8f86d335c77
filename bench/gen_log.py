#!/usr/bin/env python3
"""Write a large, deterministic log for benchmarks.

Mostly ordinary application log lines (timestamps, levels, JSON-ish fields,
paths, the odd ANSI-coloured line), with a real Claude Code error every
EVERY lines, so the scanner does real work but mostly on the hot path.
Usage: gen_log.py OUT SIZE_MIB [EVERY]
"""
import random
import sys

out, size_mib = sys.argv[1], int(sys.argv[2])
every = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
rng = random.Random(42)
errors = [
    'API Error: 403 {"type":"error","error":{"type":"permission_error","message":"Permission denied"},"request_id":"req_011CQ7qZma6cJxJaT73dZWee"} · Please run /login',
    "Failed to authenticate. API Error: 403 Permission denied",
    "anthropic.PermissionDeniedError: Error code: 403 - {'type': 'error', 'error': {'type': 'permission_error', 'message': 'Permission denied'}, 'request_id': 'req_011CAr1kDZm6JmMK3KTA7Dpp'}",
]
words = "request handled user session cache miss hit worker queue job started finished retry timeout connection pool".split()
target = size_mib * 1024 * 1024
written = n = 0
with open(out, "w", encoding="utf-8") as f:
    while written < target:
        n += 1
        if n % every == 0:
            line = rng.choice(errors)
        elif n % 97 == 0:
            line = f"\x1b[32m2026-11-28T18:{n % 60:02d}:00Z INFO\x1b[0m {' '.join(rng.choices(words, k=8))}"
        else:
            line = (
                f'2026-11-28T18:{n % 60:02d}:{n % 60:02d}.{n % 1000:03d}Z {rng.choice(["INFO", "DEBUG", "WARN"])} '
                f'{" ".join(rng.choices(words, k=rng.randint(4, 14)))} '
                f'{{"id":{n},"path":"/srv/app/{rng.choice(words)}.py","ms":{rng.randint(1, 900)}}}'
            )
        f.write(line + "\n")
        written += len(line.encode()) + 1
print(f"{out}: {written} bytes, {n} lines, {n // every} errors")

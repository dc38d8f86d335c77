#!/usr/bin/env python3
"""Write a large, deterministic log for benchmarks.

Two shapes (both kept, so old figures stay reproducible):

  gen_log.py OUT SIZE_MIB [EVERY]
      `app`: mostly ordinary application log lines (timestamps, levels,
      JSON-ish fields, paths, the odd ANSI-coloured line), with a real Claude
      Code error every EVERY (5,000) lines, so the scanner does real work but
      mostly on the hot path.

  gen_log.py --issue OUT SIZE_MIB [EVERY]
      `issue`: the log of issue 14: `2026-11-28T10:MM:SS.mmmZ LEVEL
      component: words` (INFO/DEBUG/WARN; api/db/http/worker; 4-14 words from
      a vocabulary holding the decoys `403 forbidden denied error failed`),
      and every EVERY (100,000)th line an error in one of seven real forms in
      turn.

  gen_log.py --dense OUT SIZE_MIB
      every line `API Error: 403 {...} · Please run /login` (the dense row).
"""
import random
import sys

args = sys.argv[1:]
shape = "app"
if args and args[0] in ("--issue", "--dense"):
    shape = args.pop(0)[2:]
out, size_mib = args[0], int(args[1])
rng = random.Random(42)
target = size_mib * 1024 * 1024

app_errors = [
    'API Error: 403 {"type":"error","error":{"type":"permission_error","message":"Permission denied"},"request_id":"req_011CQ7qZma6cJxJaT73dZWee"} · Please run /login',
    "Failed to authenticate. API Error: 403 Permission denied",
    "anthropic.PermissionDeniedError: Error code: 403 - {'type': 'error', 'error': {'type': 'permission_error', 'message': 'Permission denied'}, 'request_id': 'req_011CAr1kDZm6JmMK3KTA7Dpp'}",
]
app_words = "request handled user session cache miss hit worker queue job started finished retry timeout connection pool".split()

# The issue's seven forms, in turn.
issue_errors = [
    'API Error: 403 {"type":"error","error":{"type":"permission_error","message":"Permission denied"},"request_id":"req_011CQ7qZma6cJxJaT73dZWee"}',
    "Failed to authenticate. API Error: 403 Permission denied",
    "anthropic.PermissionDeniedError: Error code: 403 - {'type': 'error', 'error': {'type': 'permission_error', 'message': 'Permission denied'}, 'request_id': 'req_011CAr1kDZm6JmMK3KTA7Dpp'}",
    'PermissionDeniedError: 403 {"type":"error","error":{"type":"permission_error","message":"Permission denied"},"request_id":"req_011CT3kq8UhfBnP7AUb4x2Zd"}',
    "API Error: 403 Request not allowed · Please run /login",
    'API Error: 429 {"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed the rate limit for your organization"},"request_id":"req_011CV9mXq2n4pTyBv7RwL8Js"}',
    '{"level":"error","time":"2026-11-28T10:00:00Z","msg":"request failed","error":"403 {\\"type\\":\\"error\\",\\"error\\":{\\"type\\":\\"permission_error\\",\\"message\\":\\"Permission denied\\"},\\"request_id\\":\\"req_011CW4bZc8Lr2KdQx9VhN3Tf\\"}"}',
]
issue_words = (
    "request handled user session cache miss hit queue job started finished retry timeout connection pool "
    "403 forbidden denied error failed"
).split()

dense = 'API Error: 403 {"type":"error","error":{"type":"permission_error","message":"Permission denied"},"request_id":"req_011CQ7qZma6cJxJaT73dZWee"} · Please run /login'

written = n = errors = 0
with open(out, "w", encoding="utf-8") as f:
    while written < target:
        n += 1
        if shape == "dense":
            line = dense
            errors += 1
        elif shape == "issue":
            every = int(args[2]) if len(args) > 2 else 100_000
            if n % every == 0:
                line = issue_errors[errors % len(issue_errors)]
                errors += 1
            else:
                line = (
                    f"2026-11-28T10:{n // 60000 % 60:02d}:{n // 1000 % 60:02d}.{n % 1000:03d}Z "
                    f'{rng.choice(["INFO", "DEBUG", "WARN"])} {rng.choice(["api", "db", "http", "worker"])}: '
                    f'{" ".join(rng.choices(issue_words, k=rng.randint(4, 14)))}'
                )
        else:
            every = int(args[2]) if len(args) > 2 else 5000
            if n % every == 0:
                line = rng.choice(app_errors)
                errors += 1
            elif n % 97 == 0:
                line = f"\x1b[32m2026-11-28T18:{n % 60:02d}:00Z INFO\x1b[0m {' '.join(rng.choices(app_words, k=8))}"
            else:
                line = (
                    f'2026-11-28T18:{n % 60:02d}:{n % 60:02d}.{n % 1000:03d}Z {rng.choice(["INFO", "DEBUG", "WARN"])} '
                    f'{" ".join(rng.choices(app_words, k=rng.randint(4, 14)))} '
                    f'{{"id":{n},"path":"/srv/app/{rng.choice(app_words)}.py","ms":{rng.randint(1, 900)}}}'
                )
        f.write(line + "\n")
        written += len(line.encode()) + 1
print(f"{out}: {written} bytes, {n} lines, {errors} errors")

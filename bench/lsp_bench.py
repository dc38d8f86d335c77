#!/usr/bin/env python3
"""The language server's latency, scale and memory, measured from a client.

Starts `errsig lsp` on stdio (as an editor does, push diagnostics, UTF-16
positions) and measures the rows of the performance issue:

  append   append 4 KiB to an open log of each size (default 1, 5, 10, 25,
           50 MB): latency from the `didChange` to the `publishDiagnostics`
           of that version (p50 / p99 over --appends changes), and the
           server's RSS with the document open (before and after the appends).
  many     1,000 logs of 100 KB opened at once: the time until every one is
           published, the time until a settings change (a severity) has
           re-published every one, and the RSS.
  tiny     10,000 documents of 173 bytes opened at once: the time until every
           one is published and the RSS per document.
  width    `errsig/terminalWidth` with absurd widths costs nothing.

The logs are the issue's: lines `2026-11-28T10:MM:SS.mmmZ LEVEL component:
words` (INFO/DEBUG/WARN; api/db/http/worker; 4-14 words from a vocabulary
holding the decoys `403 forbidden denied error failed`), and every Nth line an
error in one of seven real forms in turn (every 100,000th in the big logs,
every 500th in the 100 KB ones so each has findings to re-publish).

RSS is VmRSS from /proc (after a `errsig/debugStats` round trip and a short
settle); the peak is VmHWM. Counts from `errsig/debugStats` (bytes re-scanned)
are printed beside the times: they do not depend on the machine.

  bench/lsp_bench.py [--bin PATH] [--rows append,many,tiny,width] [--sizes 1,5,50]
                     [--appends 200] [--repeat 3] [--json OUT] [--plot PNG]

Prints markdown tables for BENCHMARKS.md. `--plot` needs matplotlib. Fake
text only; no network.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

VOCAB = ("request handled user session cache miss hit queue job started finished retry timeout connection pool "
         "shard batch commit token upstream latency 403 forbidden denied error failed").split()
LEVELS = ["INFO", "DEBUG", "WARN"]
COMPONENTS = ["api", "db", "http", "worker"]
# Seven real forms, in turn (ids differ per occurrence so repeats are not one group).
ERRORS = [
    'API Error: 403 {{"type":"error","error":{{"type":"permission_error","message":"Permission denied"}},'
    '"request_id":"req_011CBench{n:014d}"}}',
    "Failed to authenticate. API Error: 403 Permission denied",
    "anthropic.PermissionDeniedError: Error code: 403 - {{'type': 'error', 'error': {{'type': 'permission_error', "
    "'message': 'Permission denied'}}, 'request_id': 'req_011CBench{n:014d}'}}",
    'PermissionDeniedError: 403 {{"type":"error","error":{{"type":"permission_error","message":"Permission denied"}},'
    '"request_id":"req_011CBench{n:014d}"}}',
    'API Error: 403 {{"error":{{"type":"forbidden","message":"Request not allowed"}}}} · Please run /login',
    'API Error: 429 {{"type":"error","error":{{"type":"rate_limit_error","message":"Number of request tokens has '
    'exceeded your per-minute rate limit"}},"request_id":"req_011CBench{n:014d}"}}',
    '{{"level":"error","component":"worker","msg":"call failed","error":"403 {{\\"type\\":\\"error\\",\\"error\\":'
    '{{\\"type\\":\\"permission_error\\",\\"message\\":\\"Permission denied\\"}},\\"request_id\\":'
    '\\"req_011CBench{n:014d}\\"}}"}}',
]


def log_text(size, every, seed=42, start=0):
    """About `size` bytes of the issue's log, an error every `every` lines."""
    rng = random.Random(seed)
    parts, total, n, k = [], 0, start, 0
    while total < size:
        n += 1
        if n % every == 0:
            line = ERRORS[k % len(ERRORS)].format(n=n)
            k += 1
        else:
            line = (f"2026-11-28T10:{n // 60000 % 60:02d}:{n // 1000 % 60:02d}.{n % 1000:03d}Z "
                    f"{rng.choice(LEVELS)} {rng.choice(COMPONENTS)}: {' '.join(rng.choices(VOCAB, k=rng.randint(4, 14)))}")
        parts.append(line + "\n")
        total += len(line) + 1
    return "".join(parts)


def tiny_text(i):
    """A 173-byte document holding one error (ASCII, so bytes = characters)."""
    head = f"2026-11-28T10:00:00.000Z INFO api: doc {i:05d}\n"
    err = ERRORS[1] + "\n"
    pad = 173 - len(head) - len(err) - 1
    return head + err + ("x" * pad) + "\n"


def frame(msg):
    body = json.dumps(msg).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Server:
    """`errsig lsp` on pipes; a reader thread records every publish."""

    def __init__(self, binary, env=None):
        self.p = subprocess.Popen([binary, "lsp", "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL,
                                  env={**os.environ, "ERRSIG_LOG": "errsig=warn", **(env or {})})
        self.lock = threading.Lock()
        self.cond = threading.Condition()
        self.next_id = 0
        self.waiting = {}
        self.published = {}  # uri -> (version, n diagnostics, count of publishes, monotonic time)
        self.publishes = 0
        threading.Thread(target=self.read, daemon=True).start()

    def send(self, msg):
        data = frame(msg)
        with self.lock:
            self.p.stdin.write(data)
            self.p.stdin.flush()

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params, timeout=600):
        ev, slot = threading.Event(), {}
        with self.lock:
            self.next_id += 1
            rid = self.next_id
            self.waiting[rid] = (ev, slot)
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        if not ev.wait(timeout):
            raise SystemExit(f"lsp_bench: no answer to {method} in {timeout} s")
        return slot.get("result", slot.get("error"))

    def read(self):
        out = self.p.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    with self.cond:
                        self.cond.notify_all()
                    return
                line = line.strip()
                if not line:
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = out.read(length)
            now = time.monotonic()
            # Only publishes are parsed in full once they are known to be one
            # (the client must not be the bottleneck).
            if body.startswith(b'{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics"'):
                msg = json.loads(body)
                p = msg["params"]
                with self.cond:
                    prev = self.published.get(p["uri"])
                    self.published[p["uri"]] = (p.get("version"), len(p["diagnostics"]),
                                                (prev[2] if prev else 0) + 1, now)
                    self.publishes += 1
                    self.cond.notify_all()
                continue
            msg = json.loads(body)
            if "id" in msg and "method" in msg:  # the server asks: answer null
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            elif "id" in msg:
                ev, slot = self.waiting.pop(msg["id"], (None, None))
                if ev:
                    slot.update(msg)
                    ev.set()

    def wait(self, pred, timeout=900):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not pred():
                left = deadline - time.monotonic()
                if left <= 0 or self.p.poll() is not None:
                    raise SystemExit("lsp_bench: the server did not publish in time")
                self.cond.wait(min(left, 1.0))

    def status(self, key):
        with open(f"/proc/{self.p.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def rss_mib(self):
        return self.status("VmRSS") / 1024

    def hwm_mib(self):
        return self.status("VmHWM") / 1024

    def initialize(self, settings=None):
        opts = {"settings": settings} if settings is not None else {}
        self.request("initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {},
                                    "initializationOptions": opts})
        self.notify("initialized", {})

    def settle(self, uri):
        """A round trip behind everything sent, then a moment for the allocator."""
        s = self.request("errsig/debugStats", {"uri": uri})
        time.sleep(0.3)
        return s

    def close(self):
        try:
            self.request("shutdown", None, timeout=30)
            self.notify("exit", None)
            self.p.wait(timeout=10)
        except Exception:
            self.p.kill()


def q(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] if xs else float("nan")


def bench_append(binary, size_mb, appends):
    text = log_text(int(size_mb * 1e6), 100_000)
    srv = Server(binary)
    srv.initialize()
    base = srv.rss_mib()
    uri = f"file:///tmp/errsig-lsp-bench/big-{size_mb}.log"
    t0 = time.monotonic()
    srv.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "log", "version": 0, "text": text}})
    srv.wait(lambda: uri in srv.published)
    opened = time.monotonic() - t0
    srv.settle(uri)
    rss_open, hwm_open = srv.rss_mib(), srv.hwm_mib()
    line, col = text.count("\n"), 0
    chunk_src = log_text(4096 * (appends + 1), 100_000, seed=7, start=10**7)
    lat, scanned = [], []
    at = 0
    for v in range(1, appends + 1):
        # 4 KiB of whole lines: cut the source at a line end near 4096 bytes.
        end = chunk_src.rfind("\n", at, at + 4096) + 1
        chunk, at = chunk_src[at:end], end
        pos = {"line": line, "character": col}
        t = time.monotonic()
        srv.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": v},
                                              "contentChanges": [{"range": {"start": pos, "end": pos}, "text": chunk}]})
        srv.wait(lambda: srv.published.get(uri, (None,))[0] == v)
        lat.append((srv.published[uri][3] - t) * 1000)
        line += chunk.count("\n")
        if v % 50 == 0 or v == appends:
            scanned.append(srv.request("errsig/debugStats", {"uri": uri})["lastScan"])
            # A message after a response waits 20 ms (for Emacs 28, see
            # transport.rs): let that pass, so it is not timed as an append.
            time.sleep(0.05)
    stats = srv.settle(uri)
    rss_after = srv.rss_mib()
    srv.close()
    return {"size_mb": size_mb, "bytes": len(text), "open_s": opened, "base_rss": base, "rss_open": rss_open,
            "hwm_open": hwm_open, "rss_after": rss_after, "p50": q(lat, .5), "p99": q(lat, .99), "max": max(lat),
            "last_scan": scanned, "findings": stats["findings"]}


def bench_many(binary, n, size):
    texts = [log_text(size, 500, seed=i) for i in range(n)]
    srv = Server(binary)
    srv.initialize()
    base = srv.rss_mib()
    uris = [f"file:///tmp/errsig-lsp-bench/many/{i:05d}.log" for i in range(n)]
    msgs = [frame({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                   "params": {"textDocument": {"uri": u, "languageId": "log", "version": 0, "text": t}}})
            for u, t in zip(uris, texts)]
    t0 = time.monotonic()
    with srv.lock:
        for m in msgs:
            srv.p.stdin.write(m)
        srv.p.stdin.flush()
    srv.wait(lambda: len(srv.published) == n)
    opened = max(srv.published[u][3] for u in uris) - t0
    findings = sum(srv.published[u][1] for u in uris)
    srv.settle(uris[0])
    rss = srv.rss_mib()
    counts = {u: srv.published[u][2] for u in uris}
    scanned_before = srv.request("errsig/debugStats", {"uri": uris[-1]})["bytesScanned"]
    t1 = time.monotonic()
    srv.notify("workspace/didChangeConfiguration",
               {"settings": {"errsig": {"severity": {"403-permission-denied": "warning"}}}})
    srv.wait(lambda: all(srv.published[u][2] > counts[u] for u in uris))
    republished = max(srv.published[u][3] for u in uris) - t1
    scanned_after = srv.request("errsig/debugStats", {"uri": uris[-1]})["bytesScanned"]
    srv.settle(uris[0])
    rss2 = srv.rss_mib()
    srv.close()
    return {"n": n, "size": size, "text_mb": sum(map(len, texts)) / 2**20, "base_rss": base, "open_s": opened,
            "republish_s": republished, "rss": rss, "rss_after": rss2, "findings": findings,
            "rescanned_by_settings": scanned_after - scanned_before}


def bench_tiny(binary, n):
    srv = Server(binary)
    srv.initialize()
    srv.settle("settle:none")
    base = srv.rss_mib()
    uris = [f"untitled:tiny-{i:05d}" for i in range(n)]
    msgs = [frame({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                   "params": {"textDocument": {"uri": u, "languageId": "log", "version": 0, "text": tiny_text(i)}}})
            for i, u in enumerate(uris)]
    t0 = time.monotonic()
    with srv.lock:
        for m in msgs:
            srv.p.stdin.write(m)
        srv.p.stdin.flush()
    srv.wait(lambda: len(srv.published) == n)
    opened = max(srv.published[u][3] for u in uris) - t0
    findings = sum(srv.published[u][1] for u in uris)
    srv.settle(uris[0])
    rss = srv.rss_mib()
    srv.close()
    return {"n": n, "base_rss": base, "open_s": opened, "rss": rss, "per_doc_kb": (rss - base) * 1024 / n,
            "findings": findings}


def bench_width(binary):
    srv = Server(binary)
    srv.initialize()
    uri = "term://~/bench//1:/bin/sh"
    srv.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "", "version": 0,
                                                         "text": log_text(200_000, 500)}})
    srv.wait(lambda: uri in srv.published)
    out = []
    for cols in [2**40, 65_537, 1, 0, 80]:
        t = time.monotonic()
        srv.notify("errsig/terminalWidth", {"uri": uri, "columns": cols})
        s = srv.request("errsig/debugStats", {"uri": uri})
        out.append({"columns": cols, "ms": (time.monotonic() - t) * 1000, "used": s["columns"],
                    "rss": srv.rss_mib()})
    srv.close()
    return out


def median_run(fn, repeat, keys):
    """Run `fn` `repeat` times; the median of each numeric key."""
    runs = [fn() for _ in range(repeat)]
    out = dict(runs[0])
    for k in keys:
        out[k] = statistics.median(r[k] for r in runs)
        out[k + "_all"] = [r[k] for r in runs]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/errsig"))
    ap.add_argument("--rows", default="append,many,tiny,width")
    ap.add_argument("--sizes", default="1,5,10,25,50")
    ap.add_argument("--appends", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--many", type=int, default=1000)
    ap.add_argument("--tiny", type=int, default=10_000)
    ap.add_argument("--json", help="write the raw figures here")
    ap.add_argument("--plot", help="write a PNG of append latency and RSS against document size")
    a = ap.parse_args()
    rows = a.rows.split(",")
    result = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cores": os.cpu_count()}

    if "append" in rows:
        result["append"] = []
        print("| document | open (s) | append p50 / p99 / max (ms) | re-scanned per append (bytes) "
              "| RSS open / after appends (MiB) | peak (MiB) | goal RSS (MiB) |")
        print("|---|---|---|---|---|---|---|")
        for s in [float(x) for x in a.sizes.split(",")]:
            r = median_run(lambda: bench_append(a.bin, s, a.appends), a.repeat,
                           ["open_s", "p50", "p99", "max", "rss_open", "rss_after", "hwm_open"])
            result["append"].append(r)
            goal = 1.2 * r["bytes"] / 2**20 + 20
            print(f"| {s:g} MB | {r['open_s']:.2f} | {r['p50']:.2f} / {r['p99']:.2f} / {r['max']:.1f} | "
                  f"{max(r['last_scan'])} | {r['rss_open']:.0f} / {r['rss_after']:.0f} | {r['hwm_open']:.0f} | "
                  f"{goal:.0f} |", flush=True)
    if "many" in rows:
        r = median_run(lambda: bench_many(a.bin, a.many, 100_000), a.repeat, ["open_s", "republish_s", "rss"])
        result["many"] = r
        print(f"\n{r['n']} logs of 100 KB ({r['text_mb']:.0f} MiB of text, {r['findings']} findings): "
              f"all published {r['open_s']:.2f} s, re-published after a settings change {r['republish_s']:.2f} s "
              f"(bytes re-scanned by it in the last document: {r['rescanned_by_settings']}), "
              f"RSS {r['rss']:.0f} MiB (idle server {r['base_rss']:.0f} MiB); runs: open {r['open_s_all']}, "
              f"republish {r['republish_s_all']}, RSS {r['rss_all']}", flush=True)
    if "tiny" in rows:
        r = median_run(lambda: bench_tiny(a.bin, a.tiny), a.repeat, ["open_s", "rss", "per_doc_kb"])
        result["tiny"] = r
        print(f"\n{r['n']} tiny documents ({r['findings']} findings): all published {r['open_s']:.2f} s, "
              f"RSS {r['rss']:.0f} MiB (idle {r['base_rss']:.0f}) = {r['per_doc_kb']:.1f} KiB each; "
              f"runs: open {r['open_s_all']}, KiB each {r['per_doc_kb_all']}", flush=True)
    if "width" in rows:
        r = bench_width(a.bin)
        result["width"] = r
        print("\n| errsig/terminalWidth | handled in (ms) | width used | RSS (MiB) |\n|---|---|---|---|")
        for w in r:
            print(f"| {w['columns']} | {w['ms']:.1f} | {w['used']} | {w['rss']:.0f} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)
    if a.plot and result.get("append"):
        plot(result["append"], a.plot)


def plot(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    sizes = [r["bytes"] / 1e6 for r in rows]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(sizes, [r["p50"] for r in rows], "o-", label="p50")
    ax1.plot(sizes, [r["p99"] for r in rows], "s-", label="p99")
    ax1.axhline(5, color="grey", linestyle="--", label="goal: p99 < 5 ms")
    ax1.set_xlabel("document size (MB)")
    ax1.set_ylabel("append 4 KiB → diagnostics (ms)")
    ax1.set_ylim(bottom=0)
    ax1.legend()
    ax1.set_title("Append latency")
    ax2.plot(sizes, [r["rss_open"] for r in rows], "o-", label="RSS, document open")
    ax2.plot(sizes, [r["hwm_open"] for r in rows], "^:", label="peak RSS during the open")
    ax2.plot(sizes, [1.2 * s / 1.048576 + 20 for s in sizes], "--", color="grey", label="goal: 1.2 × text + 20 MiB")
    ax2.set_xlabel("document size (MB)")
    ax2.set_ylabel("server RSS (MiB)")
    ax2.set_ylim(bottom=0)
    ax2.legend()
    ax2.set_title("Memory")
    fig.suptitle("errsig lsp: one open log, 4 KiB appends")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    main()

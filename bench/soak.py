#!/usr/bin/env python3
"""Soak: a terminal that never stops printing, against `errsig lsp`.

Opens an `errsig-terminal:` document (what the VS Code extension sends) and
appends realistic terminal text -- colours, `\\r` spinners, progress, build
output, with an Anthropic API error every so often -- at a target rate
(default 10 MB/s) for a duration (default 60 s). Like the extension, it trims
the oldest whole lines once the document passes 1,000,000 characters (down to
750,000, in the same change), so the document stays a terminal's scrollback.

It measures:
  - the server's RSS once a second (from /proc/PID/status);
  - that every error was found: each error has its own message (`#N`) and
    each must appear in a published diagnostic while it is in the document;
  - that there is no backlog: the rate actually written (a server that falls
    behind fills the pipe and slows the writer down) and the round trip of an
    `errsig/debugStats` request sent once a second behind the appends (it is
    answered only after every change before it was handled).

  bench/soak.py [--rate MB/S] [--seconds N] [--bin PATH]

Prints a markdown table for BENCHMARKS.md. Fake text only; no network.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
URI = "errsig-terminal:/1/soak"
MAX_CHARS, KEEP_CHARS = 1_000_000, 750_000


def frame(msg):
    body = json.dumps(msg).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Server:
    def __init__(self, binary):
        self.p = subprocess.Popen([binary, "lsp", "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, env={**os.environ, "ERRSIG_LOG": "errsig=warn"})
        self.lock = threading.Lock()
        self.next_id = 0
        self.waiting = {}  # id -> (event, slot)
        self.found = set()  # error numbers seen in diagnostics
        self.diagnostics = 0
        threading.Thread(target=self.read, daemon=True).start()

    def send(self, msg):
        with self.lock:
            self.p.stdin.write(frame(msg))
            self.p.stdin.flush()

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request_async(self, method, params):
        ev, slot = threading.Event(), {}
        with self.lock:
            self.next_id += 1
            rid = self.next_id
            self.waiting[rid] = (ev, slot)
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return ev, slot

    def request(self, method, params, timeout=60):
        ev, slot = self.request_async(method, params)
        if not ev.wait(timeout):
            raise SystemExit(f"soak: no answer to {method} in {timeout} s")
        return slot.get("result")

    def read(self):
        out = self.p.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            msg = json.loads(out.read(length))
            if "id" in msg and "method" in msg:  # the server asks: answer null
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            elif "id" in msg:
                ev, slot = self.waiting.pop(msg["id"], (None, None))
                if ev:
                    slot["result"] = msg.get("result")
                    slot["at"] = time.monotonic()
                    ev.set()
            elif msg.get("method") == "textDocument/publishDiagnostics" and msg["params"]["uri"] == URI:
                self.diagnostics += 1
                for d in msg["params"]["diagnostics"]:
                    text = json.dumps(d)
                    i = text.find("soak-")
                    while i >= 0:
                        j = i + 5
                        while j < len(text) and text[j].isdigit():
                            j += 1
                        if j > i + 5:
                            self.found.add(int(text[i + 5:j]))
                        i = text.find("soak-", j)

    def rss_kib(self):
        with open(f"/proc/{self.p.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0


def terminal_text(rng, n_error, size):
    """About `size` bytes of terminal output; the error numbers it holds."""
    parts, errors, total = [], [], 0
    while total < size:
        r = rng.random()
        if r < 0.002:
            n_error += 1
            errors.append(n_error)
            rid = "req_011CSoak" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789") for _ in range(14))
            if n_error % 2:
                s = ('\x1b[31mAPI Error: 403 {"type":"error","error":{"type":"permission_error","message":'
                     f'"Permission denied soak-{n_error}"}},"request_id":"{rid}"}}\x1b[0m · Please run /login\r\n')
            else:
                s = f"Failed to authenticate. API Error: 403 Permission denied soak-{n_error}\r\n"
        elif r < 0.3:
            pct = rng.randrange(100)
            s = f"\r\x1b[2K\x1b[36m⠋\x1b[0m Compiling crate-{rng.randrange(500)} [{'=' * (pct // 5):<20}] {pct}%"
        elif r < 0.5:
            s = f"\x1b[32m   Compiling\x1b[0m dependency-{rng.randrange(10**6)} v0.{rng.randrange(40)}.{rng.randrange(9)}\r\n"
        elif r < 0.7:
            s = f"test tests::case_{rng.randrange(10**5)} ... \x1b[32mok\x1b[0m\r\n"
        else:
            words = " ".join(rng.choice(["request", "retry", "user", "cache", "build", "deploy", "12ms", "GET", "/v1/items", "200"]) for _ in range(rng.randrange(3, 18)))
            s = f"2026-05-01T10:{rng.randrange(60):02}:{rng.randrange(60):02}Z INFO {words}\r\n"
        parts.append(s)
        total += len(s.encode())
    return "".join(parts), errors, n_error


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=10.0, help="MB/s to append")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/errsig"))
    a = ap.parse_args()

    rng = random.Random(13)
    srv = Server(a.bin)
    srv.request("initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {}})
    srv.notify("initialized", {})
    srv.notify("textDocument/didOpen", {"textDocument": {"uri": URI, "languageId": "", "version": 0, "text": ""}})

    doc_lines = [""]  # the document, by line (the last one partial)
    doc_chars = 0
    version, n_error = 0, 0
    chunk_bytes = int(a.rate * 1e6 / 100)  # 100 changes a second
    written, samples, trips, pending_trip = 0, [], [], None
    # Text is made before the clock starts (Python is slower at making it
    # than errsig at reading it): 64 chunks with a placeholder for each
    # error's number, filled in as they are sent so every error is distinct.
    pool = []
    for _ in range(64):
        text, errs, _ = terminal_text(rng, 0, chunk_bytes)
        for e in errs:
            text = text.replace(f"soak-{e}\"", "soak-@@\"", 1).replace(f"soak-{e}\r", "soak-@@\r", 1)
        pool.append(text.split("@@"))
    start = time.monotonic()
    next_sample = start
    k = 0
    while time.monotonic() - start < a.seconds:
        pieces = pool[k % len(pool)]
        k += 1
        out = [pieces[0]]
        for p in pieces[1:]:
            n_error += 1
            out.append(str(n_error))
            out.append(p)
        text = "".join(out)
        # Positions count UTF-16 units; this text is all in the BMP.
        end = {"line": len(doc_lines) - 1, "character": len(doc_lines[-1])}
        changes = [{"range": {"start": end, "end": end}, "text": text}]
        pieces = text.split("\n")
        doc_lines[-1] += pieces[0]
        doc_lines.extend(pieces[1:])
        doc_chars += len(text)
        if doc_chars > MAX_CHARS:
            # Trim the oldest whole lines, as the extension does.
            drop, dropped = 0, 0
            while doc_chars - dropped > KEEP_CHARS and drop < len(doc_lines) - 1:
                dropped += len(doc_lines[drop]) + 1
                drop += 1
            changes.append({"range": {"start": {"line": 0, "character": 0}, "end": {"line": drop, "character": 0}}, "text": ""})
            del doc_lines[:drop]
            doc_chars -= dropped
        version += 1
        srv.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": version}, "contentChanges": changes})
        written += len(text.encode())
        now = time.monotonic()
        if now >= next_sample:
            samples.append((now - start, srv.rss_kib()))
            if pending_trip is None or pending_trip[1].is_set():
                if pending_trip:
                    trips.append(pending_trip[2]["at"] - pending_trip[0])
                pending_trip = (time.monotonic(), *srv.request_async("errsig/debugStats", {"uri": URI}))
            next_sample += 1.0
        # Pace to the rate: sleep until this byte count is due.
        due = start + written / (a.rate * 1e6)
        if due > time.monotonic():
            time.sleep(due - time.monotonic())
    elapsed = time.monotonic() - start
    # Drain: one last round trip after the last change.
    t0 = time.monotonic()
    srv.request("errsig/debugStats", {"uri": URI})
    drain = time.monotonic() - t0
    time.sleep(1.0)  # diagnostics are published after the change is handled
    if pending_trip and pending_trip[1].is_set():
        trips.append(pending_trip[2]["at"] - pending_trip[0])
    samples.append((time.monotonic() - start, srv.rss_kib()))
    missing = [e for e in range(1, n_error + 1) if e not in srv.found]
    srv.request("shutdown", None)
    srv.notify("exit", None)
    srv.p.wait(timeout=10)

    trips.sort()
    rss = [k for _, k in samples]
    q = lambda xs, p: xs[min(len(xs) - 1, int(p * len(xs)))] if xs else float("nan")
    print(f"| target rate | {a.rate:.1f} MB/s for {a.seconds:.0f} s |")
    print("|---|---|")
    print(f"| written | {written / 1e6:.0f} MB in {elapsed:.1f} s = **{written / 1e6 / elapsed:.2f} MB/s** |")
    print(f"| errors printed / found | {n_error} / {n_error - len(missing)} |")
    print(f"| RSS at 5 s / 30 s / end / max | {rss[min(len(rss) - 1, 5)] / 1024:.0f} / "
          f"{rss[min(len(rss) - 1, 30)] / 1024:.0f} / {rss[-1] / 1024:.0f} / {max(rss) / 1024:.0f} MiB |")
    print(f"| debugStats round trip behind the appends, p50 / p99 / max | {q(trips, .5) * 1000:.0f} / "
          f"{q(trips, .99) * 1000:.0f} / {max(trips) * 1000:.0f} ms ({len(trips)} samples) |")
    print(f"| drain after the last change | {drain * 1000:.0f} ms |")
    print(f"| diagnostics notifications | {srv.diagnostics} |")
    print("\nRSS (MiB) each 5 s: " + " ".join(f"{k / 1024:.0f}" for _, k in samples[::5]))
    if missing:
        print(f"soak: {len(missing)} errors never appeared in a diagnostic: {missing[:20]}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

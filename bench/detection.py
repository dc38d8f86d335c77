#!/usr/bin/env python3
"""Detection figures on the fixture sets: how many expected findings errsig
reports exactly (line, end line, status, type, message, request id,
producer), how many it misses, false alarms, and groups (one failed
request) whose findings carry different rules.

    bench/detection.py [--bin target/release/errsig] [--verbose] [SET...]

SET is a directory under tests/fixtures (default: real third-party public).
Uses `errsig scan --format json` on each `NAME.txt`, with the width the
expectation file gives (`columns`), else inferred as the CLI does.
"""
import argparse, json, os, subprocess, sys, tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The fields the issue measures; the producer is counted on its own.
FIELDS = ["line", "end_line", "status", "error_type", "message", "request_id"]


def scan(binary, path, columns):
    cmd = [binary, "scan", "--format", "json", "--no-ignore", path]
    if columns:
        cmd[2:2] = ["--columns", str(columns)]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def got_fields(f):
    status = None if f.get("status_inferred") else f.get("status")
    return {"line": f["line"], "end_line": f["end_line"], "status": f.get("status"), "status_inferred": f.get("status_inferred"),
            "error_type": f.get("error_type"), "message": f.get("message"), "request_id": f.get("request_id"),
            "producer": f.get("producer"), "rule": f.get("rule"), "platform": f.get("platform")}


def matches(e, g):
    diffs = []
    for k in FIELDS:
        want = e.get(k)
        have = g.get(k)
        if k == "status" and want is None and g.get("status_inferred"):
            have = None
        if want != have:
            diffs.append(f"{k}: got {have!r}, want {want!r}")
    if e.get("producer") and e["producer"] != g.get("producer"):
        diffs.append(f"producer: got {g.get('producer')!r}, want {e['producer']!r}")
    if e.get("rule") and e["rule"] != g.get("rule"):
        diffs.append(f"rule: got {g.get('rule')!r}, want {e['rule']!r}")
    return diffs


def family403(e):
    return e.get("status") == 403 or str(e.get("rule", "")).startswith("403") or e.get("error_type") in ("permission_error", "forbidden")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/errsig"))
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("sets", nargs="*", default=["real", "third-party", "public"])
    a = ap.parse_args()
    rc = 0
    for s in a.sets:
        d = os.path.join(ROOT, "tests/fixtures", s)
        names = sorted(n[:-4] for n in os.listdir(d) if n.endswith(".txt"))
        exp_n = ok = fam_n = fam_ok = false_alarms = found_any = prod_ok = 0
        contradict = 0
        problems = []
        for n in names:
            ep = os.path.join(d, n + ".expect.toml")
            if not os.path.exists(ep):
                continue
            exp = tomllib.load(open(ep, "rb"))
            want = exp.get("finding", [])
            got = [got_fields(f) for f in scan(a.bin, os.path.join(d, n + ".txt"), exp.get("columns"))]
            used = set()
            matched = {}
            for e in want:
                exp_n += 1
                fam = family403(e)
                fam_n += fam
                best = None
                for i, g in enumerate(got):
                    if i in used:
                        continue
                    if g["line"] == e["line"]:
                        best = i
                        break
                if best is None:
                    # found at all (overlapping range)?
                    cand = [i for i, g in enumerate(got) if i not in used and g["line"] <= e["end_line"] and g["end_line"] >= e["line"]]
                    if cand:
                        best = cand[0]
                if best is None:
                    problems.append(f"{s}/{n}:{e['line']}: MISSED ({e.get('status')} {e.get('message')!r})")
                    continue
                used.add(best)
                matched[id(e)] = best
                found_any += 1
                diffs = matches(e, got[best])
                if diffs:
                    problems.append(f"{s}/{n}:{e['line']}: " + "; ".join(diffs))
                if not any(not d.startswith(("producer", "rule")) for d in diffs):
                    ok += 1
                    fam_ok += fam
                if not any(d.startswith("producer") for d in diffs):
                    prod_ok += 1
            for i, g in enumerate(got):
                if i not in used:
                    false_alarms += 1
                    problems.append(f"{s}/{n}:{g['line']}: EXTRA {g['rule']} ({g['status']} {g['message']!r})")
            # groups: findings of one failed request must carry one rule
            # (each expected finding counts the finding matched to it, so two
            # different errors printed on one line are not one group)
            groups = {}
            for e in want:
                groups.setdefault(e.get("group", id(e)), []).append(e)
            for gid, es in groups.items():
                rules = {got[matched[id(e)]]["rule"] for e in es if id(e) in matched}
                if len(rules) > 1:
                    contradict += 1
                    problems.append(f"{s}/{n}: group {gid} named by {sorted(rules)}")
        pct = lambda x, y: f"{100.0 * x / y:.1f} %" if y else "n/a"
        print(f"{s:12} files {len(names):4}  expected {exp_n:4}  exact {pct(ok, exp_n):>7}  found {pct(found_any, exp_n):>7}  "
              f"403-family exact {pct(fam_ok, fam_n):>7}  producer {pct(prod_ok, exp_n):>7}  extra {false_alarms:3}  contradicting groups {contradict}")
        if a.verbose:
            for p in problems:
                print("   ", p)
        if problems:
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())

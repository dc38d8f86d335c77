#!/usr/bin/env python3
"""Mock Anthropic API that fails every /v1/... request with a chosen scenario.

Stdlib only. Meant to run on 127.0.0.1 inside a loopback-only network
namespace (see capture.sh). Never contacts anything.

Usage:
    mock_api.py --port 8765 --scenario permission_denied --log requests.jsonl
    (or env MOCK_PORT / MOCK_SCENARIO / MOCK_LOG)

Each request gets a fresh request id of the real shape (req_011C + 20
base58 characters), sent as the `request-id` header and, in Anthropic JSON
envelopes, as "request_id". One JSON line per request is appended to the
request log: {"method","path","status","request_id","scenario","auth"}.
The credential value itself is never logged; with --fingerprint, a
"credential" field holds the first 12 hex digits of its SHA-256, so a test
can tell which of several fake keys arrived without the log holding one.
"""
import argparse
import hashlib
import json
import os
import random
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_rng = random.SystemRandom()
_log_lock = threading.Lock()


def new_request_id():
    return "req_011C" + "".join(_rng.choice(B58) for _ in range(20))


def envelope(etype, message, rid, extra=None):
    err = {"type": etype, "message": message}
    if extra:
        err.update(extra)
    return json.dumps({"type": "error", "error": err, "request_id": rid},
                      separators=(",", ":"))


def anth(status, etype, message, headers=None):
    """An Anthropic-style error: JSON envelope + request-id header."""
    def build(rid):
        h = {"content-type": "application/json", "request-id": rid}
        h.update(headers or {})
        return status, h, envelope(etype, message, rid), rid
    return build


def permission_details(rid):
    # keys reordered, extra field inside error, escaped newline + apostrophe
    body = ('{"request_id":"%s","error":{"message":"Your organization\'s role '
            'doesn\'t allow this.\\nAsk an admin.","details":{"reason":"role",'
            '"required_role":"developer"},"type":"permission_error"},'
            '"type":"error"}' % rid)
    return 403, {"content-type": "application/json", "request-id": rid}, body, rid


def request_not_allowed(rid):
    # edge error: no wrapper, no request id anywhere
    return (403, {"content-type": "application/json"},
            '{"error":{"type":"forbidden","message":"Request not allowed"}}', None)


def gateway_html(rid):
    body = ("<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n"
            "<center><h1>403 Forbidden</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n")
    return 403, {"content-type": "text/html", "server": "nginx"}, body, None


def gateway_text(rid):
    return 403, {"content-type": "text/plain; charset=utf-8"}, "Forbidden", None


def no_body(rid):
    return 403, {"request-id": rid}, "", rid


def bedrock(rid):
    aws_id = "%08x-%04x-%04x-%04x-%012x" % (
        _rng.getrandbits(32), _rng.getrandbits(16), _rng.getrandbits(16),
        _rng.getrandbits(16), _rng.getrandbits(48))
    body = '{"Message":"You don\'t have access to the model with the specified model ID."}'
    return (403, {"content-type": "application/json",
                  "x-amzn-ErrorType": "AccessDeniedException",
                  "x-amzn-RequestId": aws_id}, body, None)


def vertex(rid):
    body = json.dumps([{"error": {
        "code": 403,
        "message": "Permission 'aiplatform.endpoints.predict' denied on resource "
                   "'//aiplatform.googleapis.com/projects/fake-project/locations/us-east5/"
                   "publishers/anthropic/models/claude-sonnet-4' (or it may not exist).",
        "status": "PERMISSION_DENIED"}}], indent=2)
    return 403, {"content-type": "application/json; charset=UTF-8"}, body, None


def compat_permission_denied(rid):
    # Anthropic's OpenAI-compatible endpoint (/v1/chat/completions), assuming it answers in
    # OpenAI's error shape ({"error":{message,type,param,code}}, no "type":"error" wrapper, no
    # request_id in the body) while the request-id header stays Anthropic's. Not confirmed
    # against the real endpoint: the other scenarios answer /v1/chat/completions with the
    # Anthropic envelope, so both shapes are captured.
    body = json.dumps({"error": {"message": "Permission denied", "type": "permission_error",
                                 "param": None, "code": None}}, separators=(",", ":"))
    return 403, {"content-type": "application/json", "request-id": rid}, body, rid


def openai_403(rid):
    xid = "req_" + "".join(_rng.choice("0123456789abcdef") for _ in range(32))
    body = json.dumps({"error": {"message": "You are not allowed to sample from this model",
                                 "type": "invalid_request_error", "param": None,
                                 "code": "model_not_found"}}, indent=4)
    return 403, {"content-type": "application/json", "x-request-id": xid}, body, None


def github_403(rid):
    body = ('{"message":"Resource not accessible by integration",'
            '"documentation_url":"https://docs.github.com/rest","status":"403"}')
    return (403, {"content-type": "application/json; charset=utf-8",
                  "x-github-request-id": "C0DE:1234:56789A:BCDEF0:65000000"}, body, None)


def s3_403(rid):
    s3id = "".join(_rng.choice("0123456789ABCDEF") for _ in range(16))
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
            '<Message>Access Denied</Message><RequestId>%s</RequestId>'
            '<HostId>FAKEHOSTIDFAKEHOSTIDFAKEHOSTID=</HostId></Error>' % s3id)
    return (403, {"content-type": "application/xml", "x-amz-request-id": s3id,
                  "server": "AmazonS3"}, body, None)


SCENARIOS = {
    "permission_denied": anth(403, "permission_error", "Permission denied"),
    "permission_details": permission_details,
    "request_not_allowed": request_not_allowed,
    "oauth_scope": anth(403, "permission_error",
                        "OAuth token does not meet scope requirement: user:profile"),
    "oauth_org": anth(403, "permission_error",
                      "OAuth authentication is currently not allowed for this organization."),
    "oauth_revoked": anth(401, "authentication_error",
                          "OAuth token has been revoked. Please obtain a new token."),
    "gateway_html": gateway_html,
    "gateway_text": gateway_text,
    "no_body": no_body,
    "bedrock": bedrock,
    "vertex": vertex,
    "auth_401": anth(401, "authentication_error", "invalid x-api-key"),
    "org_disabled": anth(400, "invalid_request_error", "This organization has been disabled."),
    "credit": anth(400, "invalid_request_error",
                   "Your credit balance is too low to access the Anthropic API. "
                   "Please go to Plans & Billing to upgrade or purchase credits."),
    "cc_only": anth(400, "invalid_request_error",
                    "This credential is only authorized for use with Claude Code and "
                    "cannot be used for other API requests."),
    "not_found": anth(404, "not_found_error", "model: claude-nonexistent"),
    "too_large": anth(413, "request_too_large",
                      "Request exceeds the maximum allowed number of bytes."),
    "rate_limit": anth(429, "rate_limit_error",
                       "This request would exceed the rate limit for your organization "
                       "of 50 requests per minute. For details, refer to: "
                       "https://docs.claude.com/en/api/rate-limits.",
                       {"retry-after": "1"}),
    "api_error": anth(500, "api_error", "Internal server error"),
    "overloaded": anth(529, "overloaded_error", "Overloaded"),
    "compat_permission_denied": compat_permission_denied,
    "openai_403": openai_403,
    "github_403": github_403,
    "s3_403": s3_403,
}

REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           413: "Payload Too Large", 429: "Too Many Requests",
           500: "Internal Server Error", 529: "Site is overloaded"}


class Handler(BaseHTTPRequestHandler):
    server_version = "mock-api/1"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):  # keep stderr quiet
        pass

    def _auth(self):
        if self.headers.get("x-api-key"):
            return "x-api-key"
        a = self.headers.get("authorization", "")
        if a.lower().startswith("bearer "):
            return "bearer"
        if a.lower().startswith("aws4-"):
            return "sigv4"
        return "none"

    def _fingerprint(self):
        v = self.headers.get("x-api-key") or self.headers.get("authorization", "")
        if v.lower().startswith("bearer "):
            v = v[7:]
        return hashlib.sha256(v.encode()).hexdigest()[:12] if v else None

    def _record(self, status, rid):
        rec = {"method": self.command, "path": self.path, "status": status,
               "request_id": rid, "scenario": self.server.scenario, "auth": self._auth()}
        if self.server.fingerprint:
            rec["credential"] = self._fingerprint()
        with _log_lock:
            with open(self.server.log_path, "a") as f:
                f.write(json.dumps(rec) + "\n")

    def _send(self, status, headers, body, head_only=False):
        data = body.encode() if isinstance(body, str) else body
        headers = dict(headers)
        self.send_response_only(status, REASONS.get(status))
        self.send_header("Server", headers.pop("server", self.server_version))
        self.send_header("Date", self.date_time_string())
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        if not head_only:
            self.wfile.write(data)

    def _drain(self):
        n = int(self.headers.get("content-length") or 0)
        if n:
            self.rfile.read(n)

    def _is_api_path(self):
        p = self.path.split("?")[0]
        # Anthropic /v1/..., Bedrock /model/<id>/invoke..., Vertex /v1/projects/...
        return p.startswith("/v1/") or p.startswith("/model/") or p.startswith("/projects/") \
            or p.startswith("/repos/") or p.startswith("/bucket")

    def _handle(self, head_only=False):
        self._drain()
        if self._is_api_path():
            rid = new_request_id()
            status, headers, body, shown = SCENARIOS[self.server.scenario](rid)
            self._record(status, shown)
            self._send(status, headers, body, head_only)
        elif self.path.split("?")[0] == "/":
            self._record(200, None)
            self._send(200, {"content-type": "text/plain"}, "ok\n", head_only)
        else:
            self._record(404, None)
            self._send(404, {"content-type": "text/plain"}, "not found\n", head_only)

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def do_HEAD(self):
        self._handle(head_only=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=int(os.environ.get("MOCK_PORT", "8765")))
    ap.add_argument("--scenario", default=os.environ.get("MOCK_SCENARIO", "permission_denied"))
    ap.add_argument("--log", default=os.environ.get("MOCK_LOG", "requests.jsonl"))
    ap.add_argument("--fingerprint", action="store_true",
                    help="log a SHA-256 prefix of the credential (which fake key arrived)")
    a = ap.parse_args()
    if a.scenario not in SCENARIOS:
        sys.exit("unknown scenario %r; known: %s" % (a.scenario, ", ".join(sorted(SCENARIOS))))
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.scenario = a.scenario
    srv.log_path = a.log
    srv.fingerprint = a.fingerprint
    print("mock listening on 127.0.0.1:%d scenario=%s" % (a.port, a.scenario), flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

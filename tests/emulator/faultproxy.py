"""A fault-injecting HTTP proxy in front of the emulator, on loopback only.

Usage: faultproxy.py UPSTREAM_URL [RULES_JSON]

Listens on a free port of 127.0.0.1 (chosen by the kernel), prints one ready line on
stdout (`{"ready": true, "port": PORT, "endpoint": "http://127.0.0.1:PORT"}`), then
forwards every request to UPSTREAM_URL (the moto server) unchanged, Host header
included, so SigV4 signatures still verify. Exits when stdin closes.

Each request is named by its call as IAM names it, `service:Operation`:
  - JSON protocols (CloudTrail, CloudWatch Logs, Organizations): the `X-Amz-Target`
    header, e.g. `Logs_20140328.DescribeMetricFilters` is `logs:DescribeMetricFilters`;
  - Query protocols (CloudWatch, SNS, STS, EC2): the `Action=` form field, and the
    service of the signature's credential scope (CloudWatch signs as `monitoring`).

A rule injects one fault into the calls it names (`*` names every call), for its first
`times` matches, or for every match when `times` is null; with `body_contains`, only
into requests whose body holds that text (an account ID in sts:AssumeRole's RoleArn):
  {"call": "cloudwatch:DescribeAlarms", "fault": "throttle", "times": 2}
  {"call": "sts:AssumeRole", "fault": "503", "body_contains": "111111111111"}
  {"call": "*", "fault": "delay", "seconds": 0.05}      the distance to AWS, for benchmarks
Faults:
  throttle   HTTP 400 with the service's throttling code in its protocol's shape:
             `ThrottlingException` JSON (CloudTrail, Logs, Organizations), `Throttling`
             Query XML (CloudWatch, SNS, STS), `RequestLimitExceeded` EC2 XML
  500, 503   `InternalFailure` / `ServiceUnavailable` in the same shapes (EC2:
             `InternalError` / `Unavailable`)
  delay      waits `seconds` (default 5) before forwarding and answering
  reset      closes the connection with a TCP reset, without answering
  close      closes the connection in order (FIN), without answering
  truncate   forwards, then answers with a Content-Length larger than the body it sends
             (the first half of the real one) and closes the connection

Control endpoint (same port, path prefix /__faultproxy/):
  PUT  /__faultproxy/rules   body: a JSON list of rules; replaces the rules and
                             empties the log of calls
  GET  /__faultproxy/calls   every request seen so far, in order, as
                             {"call": ..., "region": ..., "fault": null or its name,
                              "start": ..., "end": ...} (monotonic seconds: when it
                             arrived and when its answer was sent or dropped)
"""

from __future__ import annotations

import http.client
import http.server
import json
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from typing import Any

CONTROL = "/__faultproxy/"
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
}
# `Credential=KEY/DATE/REGION/SERVICE/aws4_request` in the Authorization header.
SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
# The credential scope's service, where it differs from the IAM prefix.
IAM_PREFIX = {"monitoring": "cloudwatch"}
JSON_SERVICES = {"logs", "cloudtrail", "organizations"}
# EC2's Query API has an error document of its own: <Response><Errors><Error>.
EC2_SERVICES = {"ec2"}
FAULTS = {"throttle", "500", "503", "delay", "reset", "close", "truncate"}


class Rules:
    """The rules and the log of calls, shared by the handler threads."""

    def __init__(self, rules: list[dict[str, Any]]):
        self.lock = threading.Lock()
        self.rules: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self.replace(rules)

    def replace(self, rules: list[dict[str, Any]]) -> None:
        for rule in rules:
            if rule.get("fault") not in FAULTS:
                raise ValueError(f"unknown fault in rule {rule}")
            call = rule.get("call")
            if not isinstance(call, str) or (call != "*" and ":" not in call):
                raise ValueError(f"rule without a service:Operation call: {rule}")
            if not isinstance(rule.get("body_contains", ""), str):
                raise ValueError(f"body_contains must be text: {rule}")
        with self.lock:
            self.rules = [dict(rule, used=0) for rule in rules]
            self.calls = []

    def fault_for(
        self, call: str, region: str, body: bytes = b""
    ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """The rule that fires on this request, counted; and the request's log entry."""
        text = body.decode("utf-8", "replace")
        with self.lock:
            fired = None
            for rule in self.rules:
                if rule["call"] not in ("*", call):
                    continue
                if rule.get("body_contains", "") not in text:
                    continue
                if rule.get("times") is not None and rule["used"] >= rule["times"]:
                    continue
                rule["used"] += 1
                fired = rule
                break
            fault = fired["fault"] if fired else None
            entry = {"call": call, "region": region, "fault": fault, "start": time.monotonic()}
            self.calls.append(entry)
            return fired, entry

    def seen(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.calls)


def call_of(headers: Any, body: bytes) -> tuple[str, str, str]:
    """(service as IAM names it, operation, region) of one request."""
    scope = SCOPE.search(headers.get("Authorization", ""))
    region, signing = (scope.group(1), scope.group(2)) if scope else ("", "")
    service = IAM_PREFIX.get(signing, signing)
    target = headers.get("X-Amz-Target")
    if target:
        operation = target.rsplit(".", 1)[-1]
    else:
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        operation = form.get("Action", [""])[0]
    return service, operation, region


def error_reply(service: str, status: int, code: str, message: str) -> tuple[dict, bytes]:
    """An error as the service's protocol carries it: headers and body."""
    request_id = str(uuid.uuid4())
    if service in EC2_SERVICES:
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
            f"</Error></Errors><RequestID>{request_id}</RequestID></Response>"
        ).encode()
        return {"Content-Type": "text/xml"}, body
    if service in JSON_SERVICES:
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "x-amzn-RequestId": request_id,
        }
        return headers, body
    body = (
        '<ErrorResponse xmlns="http://webservices.amazon.com/AWSFault/2005-15-09">'
        f"<Error><Type>{'Sender' if status < 500 else 'Receiver'}</Type>"
        f"<Code>{code}</Code><Message>{message}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()
    return {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, body


ERRORS = {
    "throttle": (400, {True: "ThrottlingException", False: "Throttling"}, "Rate exceeded"),
    "500": (500, {True: "InternalFailure", False: "InternalFailure"}, "injected failure"),
    "503": (
        503,
        {True: "ServiceUnavailableException", False: "ServiceUnavailable"},
        "injected unavailability",
    ),
}


# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
EC2_CODES = {"throttle": "RequestLimitExceeded", "500": "InternalError", "503": "Unavailable"}


def make_handler(upstream: urllib.parse.SplitResult, rules: Rules) -> type:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            sys.stderr.write("faultproxy: " + (format % args) + "\n")

        def do_GET(self) -> None:
            self.handle_any()

        def do_POST(self) -> None:
            self.handle_any()

        def do_PUT(self) -> None:
            self.handle_any()

        def do_DELETE(self) -> None:
            self.handle_any()

        def handle_any(self) -> None:
            body = self.read_body()
            if self.path.startswith(CONTROL):
                self.control(body)
                return
            service, operation, region = call_of(self.headers, body)
            rule, entry = rules.fault_for(f"{service}:{operation}", region, body)
            try:
                self.inject(service, body, rule)
            finally:
                entry["end"] = time.monotonic()

        def inject(self, service: str, body: bytes, rule: dict[str, Any] | None) -> None:
            fault = rule["fault"] if rule else None
            if fault in ERRORS:
                status, codes, message = ERRORS[fault]
                code = codes[service in JSON_SERVICES]
                if service in EC2_SERVICES:
                    code = EC2_CODES[fault]
                headers, reply = error_reply(service, status, code, message)
                self.answer(status, headers, reply)
            elif fault == "reset":
                self.reset()
            elif fault == "close":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            elif fault == "truncate":
                self.truncated(*self.forward(body))
            else:
                if fault == "delay":
                    time.sleep(float(rule.get("seconds", 5)))
                self.answer(*self.forward(body))

        def read_body(self) -> bytes:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                return self.read_chunked()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def read_chunked(self) -> bytes:
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass  # trailers
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()

        def forward(self, body: bytes) -> tuple[int, dict, bytes]:
            conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=120)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["Content-Length"] = str(len(body))
            try:
                conn.request(self.command, self.path, body=body, headers=headers)
                reply = conn.getresponse()
                data = reply.read()
                kept = {k: v for k, v in reply.getheaders() if k.lower() not in HOP_BY_HOP}
                return reply.status, kept, data
            finally:
                conn.close()

        def answer(self, status: int, headers: dict, body: bytes) -> None:
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
            except OSError:
                self.close_connection = True  # the client gave up (a delay fault)

        def reset(self) -> None:
            # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            self.close_connection = True
            self.connection.close()

        def truncated(self, status: int, headers: dict, body: bytes) -> None:
            sent = body[: len(body) // 2]
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body) + 100))
                self.end_headers()
                self.wfile.write(sent)
                self.wfile.flush()
            except OSError:
                pass
            self.close_connection = True

        def control(self, body: bytes) -> None:
            what = self.path[len(CONTROL) :]
            try:
                if what == "rules" and self.command in ("PUT", "POST"):
                    rules.replace(json.loads(body or b"[]"))
                    reply: Any = {"ok": True}
                elif what == "calls" and self.command == "GET":
                    reply = rules.seen()
                else:
                    self.answer(404, {"Content-Type": "text/plain"}, b"no such control\n")
                    return
            except (ValueError, TypeError) as err:
                self.answer(400, {"Content-Type": "text/plain"}, f"{err}\n".encode())
                return
            self.answer(200, {"Content-Type": "application/json"}, json.dumps(reply).encode())

    return Handler


def exit_when_stdin_closes() -> None:
    """The test that started this process holds its stdin; when it goes, so does this."""
    for _ in sys.stdin:
        pass
    import os

    os._exit(0)


class Server(http.server.ThreadingHTTPServer):
    """One thread a connection. The listen queue holds what a client opens at once (a
    check of 17 regions opens about 20): with socketserver's default of 5, the rest
    would wait a second for the kernel to retry their SYN."""

    daemon_threads = True
    request_queue_size = 128


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print("usage: faultproxy.py UPSTREAM_URL [RULES_JSON]", file=sys.stderr)
        return 2
    upstream = urllib.parse.urlsplit(sys.argv[1])
    if upstream.scheme != "http" or upstream.hostname not in ("127.0.0.1", "localhost"):
        print(f"upstream must be http on loopback, got {sys.argv[1]}", file=sys.stderr)
        return 2
    rules = Rules(json.loads(sys.argv[2]) if len(sys.argv) == 3 else [])

    server = Server(("127.0.0.1", 0), make_handler(upstream, rules))
    port = server.server_address[1]
    endpoint = f"http://127.0.0.1:{port}"
    sys.stdout.write(json.dumps({"ready": True, "port": port, "endpoint": endpoint}) + "\n")
    sys.stdout.flush()
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())

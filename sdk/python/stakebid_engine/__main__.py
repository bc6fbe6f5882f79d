"""``python -m stakebid_engine``: serve the engine API on 127.0.0.1.

``POST /solve`` answers a round's bids within its budget; ``POST /notify``
logs what became of them, one line per notice; ``GET /health`` says it is
up. Malformed bodies get 400 with a code and a sentence, never a 500.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import lp
from .models import BadRequest, Notice, parse_notice, parse_request

MAX_BODY = 64 << 20
_REFUSED = object()  # _body already answered
API_VERSION = 2


def _eth(wei: int | None) -> str:
    if wei is None:
        return "-"
    sign = "-" if wei < 0 else ""
    whole, frac = divmod(abs(wei), 10**18)
    return f"{sign}{whole}.{frac:018d}".rstrip("0").rstrip(".") + " ETH"


def notice_line(n: Notice) -> str:
    """One line a person reads for a notice."""
    head = f"auction {n.auction}: {n.kind}"
    if n.kind == "result":
        parts = []
        for b in n.bids:
            s = f"{b.status} score {_eth(b.score)}"
            if b.winner_score is not None:
                s += f", winners {_eth(b.winner_score)}, gap {b.gap_bps} bps"
            for r in b.reasons:
                s += f"; {r.message} ({r.code})"
            parts.append(s)
        return head + " — " + " | ".join(parts)
    if n.kind == "dropped":
        return head + " — " + "; ".join(f"{r.message} ({r.code})" for r in n.reasons)
    if n.kind == "timeout":
        return head + f" — no answer within {n.budget_ms} ms"
    if n.kind == "bad_response":
        return head + f" — {n.message}"
    return head


class Handler(BaseHTTPRequestHandler):
    fee_bps = 5
    server_version = "stakebid-engine/0.1"

    def log_message(self, fmt, *args):  # quiet access log
        pass

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _refuse(self, status: int, code: str, message: str) -> None:
        self._answer(status, {"code": code, "message": message})

    def _body(self):
        try:
            length = int(self.headers.get("content-length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self._refuse(413 if length > MAX_BODY else 400, "engine.bad_request", "the body's length is missing or too large")
            return _REFUSED
        try:
            return json.loads(self.rfile.read(length) or b"null")
        except (ValueError, UnicodeDecodeError) as e:
            self._refuse(400, "engine.bad_request", f"the body is not JSON: {e}")
            return _REFUSED

    def __getattr__(self, name):
        # Any other method: 405 with a sentence, not the stdlib's 501 page.
        if name.startswith("do_"):
            return self._not_allowed
        raise AttributeError(name)

    def _not_allowed(self):
        self._refuse(405, "engine.method_not_allowed", f"{self.command} is not served here; POST /solve or /notify, GET /health")

    def do_GET(self):
        if self.path == "/health":
            self._answer(200, {"status": "ok", "version": API_VERSION})
        else:
            self._refuse(404, "engine.not_found", f"no route {self.path}")

    def do_POST(self):
        if self.path not in ("/solve", "/notify"):
            self._refuse(404, "engine.not_found", f"no route {self.path}")
            return
        body = self._body()
        if body is _REFUSED:
            return
        if self.path == "/notify":
            try:
                notice = parse_notice(body)
            except BadRequest as e:
                self._refuse(400, "engine.bad_request", str(e))
                return
            print(f"[engine] {notice_line(notice)}", file=sys.stderr, flush=True)
            self._answer(200, {})
            return
        try:
            req = parse_request(body)
        except BadRequest as e:
            self._refuse(400, "engine.bad_request", str(e))
            return
        if req.version != API_VERSION:
            self._refuse(400, "engine.unsupported_version", f"engine API version {req.version}; this engine speaks {API_VERSION}")
            return
        # Answer before the deadline: keep a quarter of the budget (at
        # least 200 ms) for the reply's way back and the driver's checks.
        budget = req.budget_ms / 1000
        left = min(budget * 0.75, budget - 0.2)
        started = time.monotonic()
        answer = lp.solve(req, self.fee_bps, max(left, 0.05))
        took = (time.monotonic() - started) * 1000
        planned = sum(len(b.plans) for b in answer.bids)
        print(
            f"[engine] auction {req.auction}: {planned}/{len(req.intents)} intents in {len(answer.bids)} bid(s), {took:.0f} ms of {req.budget_ms}",
            file=sys.stderr,
            flush=True,
        )
        self._answer(200, answer.to_json())


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="stakebid_engine", description=__doc__)
    ap.add_argument("--port", type=int, default=7000, help="port on 127.0.0.1 (0: any free one)")
    ap.add_argument("--fee-bps", type=int, default=5, help="fee per intent, bps of its amount (capped by each intent)")
    a = ap.parse_args(argv)
    Handler.fee_bps = a.fee_bps
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    print(f"[engine] listening on http://127.0.0.1:{srv.server_address[1]}", file=sys.stderr, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Robustness check of `synapse serve`: malformed requests interleaved with valid ones, over raw sockets.

Usage:
    python3 scripts/serve-abuse.py --url http://127.0.0.1:PORT --model fashion [--count 10000] [--seed 1]
                                   [--pid PID] [--threads 4] [--rss-limit-mib 64] [--huge-mib 33] [--versions 1]
                                   [--tolerance 0] [--lenient-status] [--verbose]

The server must serve an image classifier taking 28x28 pixels 0-255 (W6's Fashion-MNIST MLP; the FastAPI
reference in Benchmarks/reference/ speaks the same API). Python 3 standard library only: it runs in CI.

A seeded plan of `--count` requests (the same plan for the same seed) is spread over `--threads` threads, each on
its own connections: valid prediction requests (flat and nested pixels, batches of 1-4, pipelined, chunked,
headers dribbled byte by byte) mixed with bad JSON, truncated bodies, wrong Content-Length, wrong shapes,
NaN/Infinity/strings/nulls/out-of-range pixels, nesting-depth bombs, huge bodies, unknown models and versions,
wrong methods, garbage HTTP and abrupt disconnects mid-body. It checks that
  - the server never dies: the process (--pid) is alive and GET /healthz answers 200 after the run;
  - every malformed request gets a 4xx (unknown model or version: 404; huge body: 413, or the connection
    closed while the client is still sending), or, for broken HTTP only, a closed connection; no 5xx other
    than 503/504 is ever answered (503/504 are counted as shed load, not failures);
  - every valid request's predictions are exactly equal (or within --tolerance per probability) to the answers
    the same instances got when sent alone at the start, and again at the end (no cross-request corruption);
  - with --pid, the server's RSS (VmRSS) after the run is at most --rss-limit-mib above its value after warm-up.
--lenient-status accepts any 4xx where a specific one is expected (for the FastAPI reference, which has no body
limit and answers some paths differently). It prints progress to stderr, then one JSON line (counts per case
and per status, failures, rss_before_kib/rss_after_kib) and exits 1 when anything failed, 2 on bad arguments.
"""
import argparse
import json
import os
import random
import select
import socket
import sys
import threading
import time
import urllib.parse

PIXELS = 784
SIDE = 28
DEFAULT_TIMEOUT = 10.0
POOL_SIZE = 8


class HTTPReader:
    """Reads HTTP/1.1 responses from a socket, one after another (pipelining keeps leftover bytes)."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed")
        self.buffer += data

    def read_response(self):
        """(status, headers, body) of the next response; raises ConnectionError when the server closed first."""
        while b"\r\n\r\n" not in self.buffer:
            if len(self.buffer) > 1 << 20:
                raise ValueError("response headers larger than 1 MiB")
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise ValueError(f"not an HTTP status line: {lines[0]!r}")
        status = int(parts[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                while b"\r\n" not in self.buffer:
                    self._fill()
                size_line, self.buffer = self.buffer.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0], 16)
                while len(self.buffer) < size + 2:
                    self._fill()
                body += self.buffer[:size]
                self.buffer = self.buffer[size + 2:]
                if size == 0:
                    break
        else:
            length = int(headers.get("content-length", "0"))
            while len(self.buffer) < length:
                self._fill()
            body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body


class Target:
    """Where the server is and how to build requests for it."""

    def __init__(self, url, model):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme != "http" or not parsed.hostname:
            raise ValueError(f"--url must be http://HOST:PORT, got {url!r}")
        self.host = parsed.hostname
        self.port = parsed.port or 80
        self.base = parsed.path.rstrip("/")
        self.model = model
        self.predict_path = f"{self.base}/v1/models/{urllib.parse.quote(model)}:predict"

    def connect(self, timeout=DEFAULT_TIMEOUT):
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def request(self, method, path, body=b"", headers=None, content_length=None):
        """A raw HTTP/1.1 request; content_length overrides the true length (to lie about it)."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        extra = dict(headers or {})
        if body or method in ("POST", "PUT") or content_length is not None:
            extra.setdefault("Content-Type", "application/json")
            if "Transfer-Encoding" not in extra:
                extra["Content-Length"] = str(len(body) if content_length is None else content_length)
        lines += [f"{k}: {v}" for k, v in extra.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def exchange(self, raw, timeout=DEFAULT_TIMEOUT):
        """Sends raw bytes on a new connection and reads one response: (status, body) or (None, reason)."""
        try:
            sock = self.connect(timeout)
        except OSError as e:
            return None, f"connect failed: {e}"
        try:
            try:
                sock.sendall(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # The server may answer and close before reading everything; read what it said.
            status, _, body = HTTPReader(sock).read_response()
            return status, body
        except socket.timeout:
            return None, "timeout"
        except (ConnectionError, OSError) as e:
            return None, f"closed ({e.__class__.__name__})"
        except ValueError as e:
            return None, f"garbled response: {e}"
        finally:
            sock.close()


def flat_body(instances):
    return json.dumps({"instances": instances}, separators=(",", ":")).encode()


def nested(pixels):
    return [pixels[r * SIDE:(r + 1) * SIDE] for r in range(SIDE)]


class Abuse:
    """The plan, its execution and the bookkeeping."""

    def __init__(self, args):
        self.args = args
        self.target = Target(args.url, args.model)
        rng = random.Random(args.seed)
        # Valid instances: seeded random images, plus an all-black and an all-white one.
        self.pool = [[0] * PIXELS, [255] * PIXELS]
        self.pool += [[rng.randrange(256) for _ in range(PIXELS)] for _ in range(POOL_SIZE - 2)]
        self.baseline = []
        self.lock = threading.Lock()
        self.case_counts = {}
        self.status_counts = {}
        self.failures = []
        self.failure_count = 0
        self.shed = 0
        self.valid_checked = 0
        self.max_deviation = 0.0
        kinds = [(name[5:], weight) for name, weight in CASE_WEIGHTS.items()]
        names = [k for k, _ in kinds]
        weights = [w for _, w in kinds]
        self.plan = [(names_choice, rng.getrandbits(64)) for names_choice in rng.choices(names, weights, k=args.count)]

    # --- bookkeeping -----------------------------------------------------------------------------------------
    def count_status(self, status):
        key = str(status) if status is not None else "closed"
        with self.lock:
            self.status_counts[key] = self.status_counts.get(key, 0) + 1
            if status in (503, 504):
                self.shed += 1

    def fail(self, case, message):
        with self.lock:
            self.failure_count += 1
            if len(self.failures) < 50:
                self.failures.append(f"{case}: {message}")
        if self.args.verbose:
            print(f"FAIL {case}: {message}", file=sys.stderr)

    def server_error(self, case, status, body):
        """True (and a failure) for a 5xx other than 503/504."""
        if status is not None and status >= 500 and status not in (503, 504):
            self.fail(case, f"answered {status}: {body[:120]!r}")
            return True
        return False

    def expect_client_error(self, case, status, body, specific=None, closed_ok=False):
        """A malformed request's answer: a 4xx (the specific one unless --lenient-status), or a closed
        connection where closed_ok."""
        self.count_status(status)
        if status is None:
            if not closed_ok:
                self.fail(case, f"no answer ({body})")
            return
        if status in (503, 504) or self.server_error(case, status, body):
            return
        if not 400 <= status < 500:
            self.fail(case, f"expected a 4xx, got {status}: {body[:120]!r}")
        elif specific and status not in specific and not self.args.lenient_status:
            self.fail(case, f"expected {'/'.join(map(str, specific))}, got {status}: {body[:120]!r}")

    def check_predictions(self, case, status, body, indices):
        """A valid request's answer: 200 with the baseline's predictions for these pool indices."""
        self.count_status(status)
        if status is None:
            self.fail(case, f"no answer to a valid request ({body})")
            return
        if status in (503, 504) or self.server_error(case, status, body):
            return
        if status != 200:
            self.fail(case, f"valid request answered {status}: {body[:120]!r}")
            return
        try:
            predictions = json.loads(body)["predictions"]
        except (ValueError, KeyError, TypeError):
            self.fail(case, f"200 without a predictions array: {body[:120]!r}")
            return
        if len(predictions) != len(indices):
            self.fail(case, f"{len(indices)} instances, {len(predictions)} predictions")
            return
        with self.lock:
            self.valid_checked += 1
        for i, p in zip(indices, predictions):
            problem = self.compare(p, self.baseline[i])
            if problem:
                self.fail(case, f"instance {i}: {problem}")
                return

    def compare(self, got, want):
        if not isinstance(got, dict):
            return f"prediction is not an object: {got!r}"
        if got.get("class") != want.get("class") or got.get("label") != want.get("label"):
            return f"class {got.get('class')}/{got.get('label')} != alone {want.get('class')}/{want.get('label')}"
        a, b = got.get("probabilities"), want.get("probabilities")
        if not isinstance(a, list) or len(a) != len(b):
            return f"probabilities {a!r} do not match alone {b!r}"
        try:
            deviation = max(abs(x - y) for x, y in zip(a, b))
        except TypeError:
            return f"probabilities are not numbers: {a!r}"
        with self.lock:
            self.max_deviation = max(self.max_deviation, deviation)
        if deviation > self.args.tolerance:
            return f"probabilities differ from the instance's answer alone by {deviation:.3g}"
        return None

    # --- phases ----------------------------------------------------------------------------------------------
    def alone(self, index):
        raw = self.target.request("POST", self.target.predict_path, flat_body([self.pool[index]]))
        status, body = self.target.exchange(raw)
        if status != 200:
            return None, f"instance {index} alone: {status} {body[:120]!r}"
        try:
            return json.loads(body)["predictions"][0], None
        except (ValueError, KeyError, IndexError, TypeError):
            return None, f"instance {index} alone: no prediction in {body[:120]!r}"

    def take_baseline(self):
        for i in range(len(self.pool)):
            prediction, problem = self.alone(i)
            if problem:
                raise SystemExit(f"serve-abuse: cannot take the baseline: {problem}")
            self.baseline.append(prediction)

    def recheck_baseline(self):
        for i in range(len(self.pool)):
            prediction, problem = self.alone(i)
            if problem:
                self.fail("final_alone", problem)
            elif self.compare(prediction, self.baseline[i]):
                self.fail("final_alone", f"instance {i}: {self.compare(prediction, self.baseline[i])}")

    def warm_up(self):
        for i in range(100):
            self.alone(i % len(self.pool))

    def run_plan(self):
        threads = []
        for t in range(self.args.threads):
            work = self.plan[t::self.args.threads]
            threads.append(threading.Thread(target=self.run_cases, args=(work,), daemon=True))
        for thread in threads:
            thread.start()
        done_before = 0
        while any(thread.is_alive() for thread in threads):
            for thread in threads:
                thread.join(timeout=5)
            done = sum(self.case_counts.values())
            if done != done_before:
                print(f"serve-abuse: {done}/{len(self.plan)} requests, {self.failure_count} failures",
                      file=sys.stderr, flush=True)
                done_before = done

    def run_cases(self, work):
        for name, case_seed in work:
            rng = random.Random(case_seed)
            try:
                CASES[name](self, rng, name)
            except Exception as e:  # A bug in a case must not hide the others' results.
                self.fail(name, f"client error {e.__class__.__name__}: {e}")
            with self.lock:
                self.case_counts[name] = self.case_counts.get(name, 0) + 1

    # --- helpers the cases share --------------------------------------------------------------------------------
    def pick(self, rng, count=None):
        n = count or rng.choice([1, 1, 1, 2, 3, 4])
        return [rng.randrange(len(self.pool)) for _ in range(n)]

    def post(self, body, path=None, **kw):
        return self.target.request("POST", path or self.target.predict_path, body, **kw)

    def bad_instance_body(self, case, instance):
        status, body = self.target.exchange(self.post(flat_body([instance])))
        self.expect_client_error(case, status, body)


# --- the cases: each is `case_<name>(abuse, rng, name)`; CASE_WEIGHTS sets how often each is drawn ---------------

def case_valid(a, rng, name):
    indices = a.pick(rng)
    instances = [a.pool[i] if rng.random() < 0.5 else nested(a.pool[i]) for i in indices]
    status, body = a.target.exchange(a.post(flat_body(instances)))
    a.check_predictions(name, status, body, indices)


def case_valid_object(a, rng, name):
    indices = a.pick(rng)
    status, body = a.target.exchange(a.post(flat_body([{"pixels": a.pool[i]} for i in indices])))
    a.check_predictions(name, status, body, indices)


def case_keep_alive(a, rng, name):
    """Valid, malformed, valid on one keep-alive connection: the malformed one must not spoil the next."""
    sock = a.target.connect()
    reader = HTTPReader(sock)
    try:
        first, second = a.pick(rng, 1), a.pick(rng, 1)
        requests = [(a.post(flat_body([a.pool[first[0]]])), first),
                    (a.post(b'{"instances": [[1, 2, 3'), None),
                    (a.post(flat_body([a.pool[second[0]]])), second)]
        for position, (raw, indices) in enumerate(requests):
            try:
                sock.sendall(raw)
                status, _, body = reader.read_response()
            except (ConnectionError, OSError, ValueError) as e:
                # Closing the connection after answering the malformed request with a 4xx is allowed; the
                # valid request before it and the malformed one itself must be answered.
                if position < 2:
                    a.count_status(None)
                    a.fail(name, f"request {position + 1} of 3 on a keep-alive connection unanswered ({e})")
                return
            if indices is None:
                a.expect_client_error(name, status, body)
            else:
                a.check_predictions(name, status, body, indices)
    finally:
        sock.close()


def case_pipelined(a, rng, name):
    """2-5 valid requests written at once on one connection; answers must come back in order."""
    picks = [a.pick(rng) for _ in range(rng.randint(2, 5))]
    raw = b"".join(a.post(flat_body([a.pool[i] for i in indices])) for indices in picks)
    sock = a.target.connect()
    try:
        sock.sendall(raw)
        reader = HTTPReader(sock)
        for indices in picks:
            try:
                status, _, body = reader.read_response()
            except (ConnectionError, OSError, ValueError) as e:
                a.count_status(None)
                a.fail(name, f"pipelined request unanswered ({e.__class__.__name__}: {e})")
                return
            a.check_predictions(name, status, body, indices)
    finally:
        sock.close()


def case_chunked(a, rng, name):
    """A valid request sent with Transfer-Encoding: chunked in random chunk sizes."""
    indices = a.pick(rng)
    payload = flat_body([a.pool[i] for i in indices])
    chunks, at = [], 0
    while at < len(payload):
        size = rng.randint(1, 4096)
        chunks.append(b"%x\r\n%s\r\n" % (len(payload[at:at + size]), payload[at:at + size]))
        at += size
    body = b"".join(chunks) + b"0\r\n\r\n"
    raw = a.post(body, headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"})
    status, answer = a.target.exchange(raw)
    a.check_predictions(name, status, answer, indices)


def case_slow_headers(a, rng, name):
    """A valid request whose headers are dribbled byte by byte (bounded: ~1 ms a byte), then the body at once."""
    indices = a.pick(rng, 1)
    raw = a.post(flat_body([a.pool[indices[0]]]))
    head, _, _ = raw.partition(b"\r\n\r\n")
    head += b"\r\n\r\n"
    sock = a.target.connect()
    try:
        try:
            for byte in head:
                sock.sendall(bytes([byte]))
                time.sleep(0.001)
            sock.sendall(raw[len(head):])
            status, _, body = HTTPReader(sock).read_response()
        except (ConnectionError, OSError, ValueError) as e:
            a.count_status(None)
            a.fail(name, f"slow but valid request unanswered ({e.__class__.__name__}: {e})")
            return
        if status == 408:  # A server may time a slow client out; that is not corruption.
            a.count_status(status)
            return
        a.check_predictions(name, status, body, indices)
    finally:
        sock.close()


def case_bad_json(a, rng, name):
    bodies = [b"", b"null", b"[]", b"{}", b"42", b'"instances"', b"{instances: []}", b'{"instances": [[1,2,}',
              b'{"instances": ', b"\xff\xfe\x00garbage", b'{"instances": [[0]]]]]}', b'{"instance": [[0]]}',
              b'{"instances": "abc"}', b'{"instances": {"a": 1}}', b'{"instances": [1, 2, 3]}',
              b'{"instances": null}', b"{'instances': [[0]]}", bytes(rng.randrange(256) for _ in range(200))]
    payload = rng.choice(bodies)
    status, body = a.target.exchange(a.post(payload))
    a.expect_client_error(f"{name} ({payload[:40]!r})", status, body)


def case_truncated_json(a, rng, name):
    """A valid body cut short, with a Content-Length that matches what is sent (so the HTTP is fine)."""
    payload = flat_body([a.pool[i] for i in a.pick(rng)])
    status, body = a.target.exchange(a.post(payload[:rng.randrange(1, len(payload) - 1)]))
    a.expect_client_error(name, status, body)


def case_wrong_shape(a, rng, name):
    p = a.pool[rng.randrange(len(a.pool))]
    shapes = [p[:-1], p + [0], p[:SIDE], [], [p, p], nested(p)[:-1], [row[:-1] for row in nested(p)],
              [nested(p), nested(p)], 7, {"pixels": p[:100]}, {"pixel": p}, [[]], [[[[0]]]]]
    shape = rng.choice(shapes)
    a.bad_instance_body(f"{name} ({json.dumps(shape)[:60]})", shape)


def case_bad_values(a, rng, name):
    """Non-finite, non-numeric and out-of-range pixels, written as text (NaN/Infinity are not JSON)."""
    p = list(a.pool[rng.randrange(len(a.pool))])
    at = rng.randrange(PIXELS)
    token = rng.choice(["NaN", "Infinity", "-Infinity", "1e999", "-1e999", '"12"', "null", "true", "{}",
                        "[1]", "-1", "256", "1e10", "-0.5e3", "0x10", "+1", "01", ".5", '"NaN"'])
    text = ",".join(token if i == at else str(v) for i, v in enumerate(p))
    status, body = a.target.exchange(a.post(b'{"instances": [[' + text.encode() + b"]]}"))
    a.expect_client_error(f"{name} (pixel {token})", status, body)


def case_depth_bomb(a, rng, name):
    depth = rng.choice([1000, 10000, 100000])
    opener, closer = (b"[", b"]") if rng.random() < 0.5 else (b'{"a":', b"}")
    payload = b'{"instances": [' + opener * depth + b"0" + closer * depth + b"]}"
    if rng.random() < 0.5:
        payload = b'{"instances": [' + opener * depth  # unbalanced too
    status, body = a.target.exchange(a.post(payload), timeout=30)
    a.expect_client_error(name, status, body)


def case_huge_body(a, rng, name):
    """Declares and streams --huge-mib MiB; the server may answer 413 and close before the end."""
    size = a.args.huge_mib << 20
    raw = a.post(b"", content_length=size)
    sock = a.target.connect(timeout=30)
    status, body = None, "closed"
    try:
        chunk = (b"[" + b"255," * 16383 + b"0]")[:65536]
        sent = 0
        try:
            sock.sendall(raw)
            while sent < size:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break  # The server answered early.
                piece = chunk[:size - sent]
                sock.sendall(piece)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            status, _, body = HTTPReader(sock).read_response()
        except (ConnectionError, OSError, ValueError) as e:
            status, body = None, f"closed ({e.__class__.__name__})"
    finally:
        sock.close()
    a.expect_client_error(name, status, body, specific=(413,), closed_ok=True)


def case_unknown_model(a, rng, name):
    model = rng.choice(["nope", a.args.model + "x", "..", "%2e%2e", "a" * 300, "fashion%00"])
    payload = flat_body([a.pool[0]])
    status, body = a.target.exchange(a.post(payload, path=f"{a.target.base}/v1/models/{model}:predict"))
    a.expect_client_error(name, status, body, specific=(404,))


def case_unknown_version(a, rng, name):
    existing = set(a.args.versions.split(","))
    version = rng.choice([v for v in ["2", "3", "99", "0", "-1", "abc", "1" * 40] if v not in existing])
    path = f"{a.target.base}/v1/models/{urllib.parse.quote(a.args.model)}/versions/{version}:predict"
    status, body = a.target.exchange(a.post(flat_body([a.pool[0]]), path=path))
    # A version that is not a number (or overflows one) may be refused as a bad request instead.
    numeric = version.isdigit() and len(version) <= 18
    a.expect_client_error(name, status, body, specific=(404,) if numeric else (404, 400))


def case_wrong_method(a, rng, name):
    method, path = rng.choice([("GET", a.target.predict_path), ("PUT", a.target.predict_path),
                               ("DELETE", a.target.predict_path), ("PATCH", a.target.predict_path),
                               ("POST", f"{a.target.base}/readyz"), ("POST", f"{a.target.base}/healthz"),
                               ("DELETE", f"{a.target.base}/v1/models")])
    body = flat_body([a.pool[0]]) if method in ("PUT", "POST", "PATCH") else b""
    status, answer = a.target.exchange(a.target.request(method, path, body))
    a.expect_client_error(name, status, answer, specific=(404, 405))


def case_short_content_length(a, rng, name):
    """Content-Length smaller than the body: the body is cut (bad JSON) and the rest is garbage HTTP."""
    payload = flat_body([a.pool[i] for i in a.pick(rng)])
    status, body = a.target.exchange(a.post(payload, content_length=rng.randrange(1, len(payload) // 2)))
    a.expect_client_error(name, status, body, closed_ok=True)


def case_long_content_length(a, rng, name):
    """Content-Length larger than what is sent, then silence: the server must wait or time out, then cope with
    the client giving up (no answer is expected within the short wait)."""
    payload = flat_body([a.pool[i] for i in a.pick(rng)])
    sock = a.target.connect()
    sock.settimeout(0.3)
    try:
        sock.sendall(a.post(payload, content_length=len(payload) + rng.randint(1, 1000)))
        try:
            status, _, body = HTTPReader(sock).read_response()
        except (socket.timeout, ConnectionError, OSError, ValueError):
            status, body = None, "no answer"
    finally:
        sock.close()
    a.expect_client_error(name, status, body, closed_ok=True)


def case_abrupt_disconnect(a, rng, name):
    """Half a valid body, then a reset (SO_LINGER 0) or a plain close: nothing to answer, the server must cope."""
    payload = flat_body([a.pool[i] for i in a.pick(rng)])
    raw = a.post(payload)
    sock = a.target.connect()
    try:
        sock.sendall(raw[:rng.randrange(1, len(raw) - 1)])
        if rng.random() < 0.5:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    except OSError:
        pass
    finally:
        sock.close()
    a.count_status(None)


def case_garbage_http(a, rng, name):
    raws = [b"GARBAGE\r\n\r\n", b"POST\r\n\r\n", b"POST / HTTP/9.9\r\n\r\n",
            b"POST " + a.target.predict_path.encode() + b" HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
            b"POST " + a.target.predict_path.encode() + b" HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
            b"POST " + a.target.predict_path.encode() + b" HTTP/1.1\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n",
            b"POST " + a.target.predict_path.encode() + b" HTTP/1.1\r\nno colon here\r\n\r\n",
            b"POST " + a.target.predict_path.encode() + b" HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            bytes(rng.randrange(256) for _ in range(300)) + b"\r\n\r\n"]
    status, body = a.target.exchange(rng.choice(raws), timeout=2)
    if status is None and body == "timeout":
        body = "closed (no answer within 2 s)"  # A server waiting for the rest of broken HTTP is fine.
    a.expect_client_error(name, status, body, closed_ok=True)


CASE_WEIGHTS = {
    "case_valid": 30, "case_valid_object": 4, "case_keep_alive": 4, "case_pipelined": 4, "case_chunked": 2,
    "case_slow_headers": 2, "case_bad_json": 8, "case_truncated_json": 5, "case_wrong_shape": 8,
    "case_bad_values": 10, "case_depth_bomb": 2, "case_huge_body": 1, "case_unknown_model": 3,
    "case_unknown_version": 3, "case_wrong_method": 4, "case_short_content_length": 2,
    "case_long_content_length": 2, "case_abrupt_disconnect": 4, "case_garbage_http": 3,
}
CASES = {name[5:]: globals()[name] for name in CASE_WEIGHTS}


def rss_kib(pid):
    """VmRSS of a process in KiB, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def alive(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("State:"):
                    return "Z" not in line.split()[1]
    except OSError:
        return False
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--url", required=True, help="the server, http://127.0.0.1:PORT")
    parser.add_argument("--model", default="fashion", help="the served model's name (default fashion)")
    parser.add_argument("--count", type=int, default=10000, help="requests in the plan (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the plan (default 1)")
    parser.add_argument("--pid", type=int, help="the server's process id: checks that it lives and its memory")
    parser.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--rss-limit-mib", type=float, default=64, help="allowed RSS growth (default 64 MiB)")
    parser.add_argument("--versions", default="1",
                        help="the model's loaded versions, comma-separated (unknown-version requests avoid them; default 1)")
    parser.add_argument("--huge-mib", type=int, default=33,
                        help="size of the huge bodies; must exceed the server's --max-body-bytes (default 33 MiB, over its 32 MiB)")
    parser.add_argument("--tolerance", type=float, default=0.0,
                        help="allowed difference per probability from the answer alone (default 0: exact)")
    parser.add_argument("--lenient-status", action="store_true",
                        help="accept any 4xx where 404/405/413 is expected (the FastAPI reference)")
    parser.add_argument("--verbose", action="store_true", help="print every failure as it happens")
    args = parser.parse_args()
    for flag, value, low in (("--count", args.count, 1), ("--threads", args.threads, 1), ("--huge-mib", args.huge_mib, 1)):
        if value < low:
            parser.error(f"{flag} must be at least {low}, got {value}")
    if args.tolerance < 0 or args.rss_limit_mib < 0:
        parser.error("--tolerance and --rss-limit-mib must not be negative")
    if args.pid is not None and not alive(args.pid):
        parser.error(f"--pid {args.pid}: no such running process")
    try:
        abuse = Abuse(args)
    except ValueError as e:
        parser.error(str(e))

    started = time.monotonic()
    abuse.take_baseline()
    abuse.warm_up()
    rss_before = rss_kib(args.pid) if args.pid else None
    abuse.run_plan()
    time.sleep(0.5)  # Let the server finish with connections the cases abandoned.
    abuse.recheck_baseline()

    healthz, _ = abuse.target.exchange(abuse.target.request("GET", f"{abuse.target.base}/healthz"))
    if healthz != 200:
        abuse.fail("healthz", f"GET /healthz after the run answered {healthz}")
    is_alive = alive(args.pid) if args.pid else None
    if args.pid and not is_alive:
        abuse.fail("process", f"the server (pid {args.pid}) is gone")
    rss_after = rss_kib(args.pid) if args.pid else None
    growth_mib = None
    if rss_before is not None and rss_after is not None:
        growth_mib = (rss_after - rss_before) / 1024
        if growth_mib > args.rss_limit_mib:
            abuse.fail("memory", f"RSS grew {growth_mib:.1f} MiB ({rss_before} -> {rss_after} KiB), "
                                 f"more than {args.rss_limit_mib:g} MiB")

    summary = {
        "ok": abuse.failure_count == 0, "requests": len(abuse.plan), "seed": args.seed,
        "seconds": round(time.monotonic() - started, 1), "cases": dict(sorted(abuse.case_counts.items())),
        "statuses": dict(sorted(abuse.status_counts.items())), "valid_answers_checked": abuse.valid_checked,
        "max_probability_deviation": abuse.max_deviation, "shed_503_504": abuse.shed,
        "healthz": healthz, "alive": is_alive, "rss_before_kib": rss_before, "rss_after_kib": rss_after,
        "rss_growth_mib": None if growth_mib is None else round(growth_mib, 1),
        "failures": abuse.failure_count, "failure_examples": abuse.failures[:20],
    }
    if abuse.failure_count:
        print(f"serve-abuse: {abuse.failure_count} failures; first ones:", file=sys.stderr)
        for line in abuse.failures[:20]:
            print(f"  {line}", file=sys.stderr)
    print(json.dumps(summary, separators=(",", ":")))
    sys.exit(0 if abuse.failure_count == 0 else 1)


if __name__ == "__main__":
    main()

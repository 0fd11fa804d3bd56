#!/usr/bin/env python3
"""The hostile-connection attacks of issue 18 against a built `serve`, on 127.0.0.1 only, each
bounded in count and time; prints one line per attack (what was measured) for the table in the
README and the issue's note.

usage: scripts/serve-attacks.py [--bin target/release/alipay-phone] [--quick]
   (the binary is run as `BIN serve --demo ...`; pass the alipay-phone-serve binary with
    --serve-bin to run it without the `serve` word)

Needs Linux (/proc for RSS and descriptors). Exit status 0 when every attack was measured.
"""
import argparse
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time


def start(cmd, env=None, limit_nofile=None):
    def pre():
        if limit_nofile:
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit_nofile, limit_nofile))
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, preexec_fn=pre)
    line = p.stdout.readline().decode()
    m = re.search(r"listening addr=([\d.]+):(\d+)", line)
    if not m:
        p.kill()
        raise SystemExit(f"serve did not start: {line!r} {p.stderr.read().decode()[:500]}")
    return p, (m.group(1), int(m.group(2)))


def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def connect(addr, timeout=5):
    s = socket.create_connection(addr, timeout=timeout)
    return s


def is_closed(s):
    s.setblocking(False)
    try:
        data = s.recv(65536)
        return data == b"" or data.startswith(b"HTTP/1.1 4")
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        s.setblocking(True)


def request(addr, raw, timeout=5):
    s = connect(addr, timeout)
    t = time.monotonic()
    s.sendall(raw)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data and b"connection: close" not in data.lower():
                break
    except socket.timeout:
        pass
    s.close()
    status = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else "none"
    return status, time.monotonic() - t


HEALTH = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/alipay-phone")
    ap.add_argument("--serve-bin", help="the alipay-phone-serve binary (no `serve` word)")
    ap.add_argument("--quick", action="store_true", help="fewer connections and shorter waits")
    a = ap.parse_args()
    base = [a.serve_bin] if a.serve_bin else [a.bin, "serve"]
    n = 300 if a.quick else 2000
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PHONE_SERVE_", "ALIPAY_"))}

    # 1. slowloris: n connections, a header byte every 3 s.
    p, addr = start(base + ["--demo", "--listen", "127.0.0.1:0"], env)
    conns = [connect(addr) for _ in range(n)]
    for s in conns:
        s.sendall(b"POST /v1/apps/2021001234567890/phone HTTP/1.1\r\n")
    t0 = time.monotonic()
    wait = 15
    while time.monotonic() - t0 < wait:
        time.sleep(3)
        for s in conns:
            try:
                s.sendall(b"X")
            except OSError:
                pass
    open_after = sum(1 for s in conns if not is_closed(s))
    print(f"slowloris: {n} connections, a header byte every 3 s: {open_after} still open after {wait} s")
    for s in conns:
        s.close()

    # 2. idle keep-alive: one request, then quiet.
    s = connect(addr, 120)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    s.recv(4096)
    t0 = time.monotonic()
    try:
        s.recv(4096)
    except OSError:
        pass
    print(f"idle keep-alive connection: closed after {time.monotonic() - t0:.1f} s")
    s.close()

    # 3. memory before authentication: n connections, 400 KB of unfinished header each, on a
    # fresh process (the slowloris round above leaves the allocator's pages behind).
    p.send_signal(signal.SIGTERM)
    p.wait(30)
    p, addr = start(base + ["--demo", "--listen", "127.0.0.1:0"], env)
    before = rss_mib(p.pid)
    pad = b"X-Pad: " + b"a" * (400 * 1024)
    conns = []
    refused = 0
    peak = before
    for i in range(n):
        s = connect(addr)
        try:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + pad)
        except OSError:
            pass
        conns.append(s)
        if i % 100 == 0:
            peak = max(peak, rss_mib(p.pid))
    peak = max(peak, rss_mib(p.pid))
    for s in conns:
        s.settimeout(5)
        try:
            if s.recv(64).startswith(b"HTTP/1.1 431"):
                refused += 1
        except OSError:
            pass
        s.close()
    time.sleep(1)
    print(f"memory: {n} x 400 KB unfinished heads: RSS {before:.0f} MB -> peak {peak:.0f} MB -> {rss_mib(p.pid):.0f} MB after; {refused} answered 431")

    # 4. a 100 KB header, finished.
    status, _ = request(addr, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + b"a" * 100_000 + b"\r\nConnection: close\r\n\r\n")
    print(f"a 100 KB header: {status}")

    # 5. Content-Length of 10 GB.
    status, took = request(addr, b"POST /v1/apps/2021001234567890/phone HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10737418240\r\n\r\n", 20)
    print(f"Content-Length 10 GB: {status} after {took * 1000:.0f} ms")

    # 6. no Host.
    status, _ = request(addr, b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n")
    print(f"HTTP/1.1 without Host: {status}")

    # 7. a made-up app id.
    body = open("examples/data/envelope.json", "rb").read()
    status, _ = request(addr, b"POST /v1/apps/made-up-id/phone HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    print(f"made-up app id (demo keys serve every id): {status}")

    # 8. SIGTERM with 200 unfinished requests open.
    conns = [connect(addr) for _ in range(200)]
    for s in conns:
        s.sendall(b"POST /v1/apps/2021001234567890/phone HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    time.sleep(0.5)
    t0 = time.monotonic()
    p.send_signal(signal.SIGTERM)
    code = p.wait(30)
    print(f"SIGTERM with 200 unfinished requests: exit {code} after {time.monotonic() - t0:.2f} s")
    for s in conns:
        s.close()

    # 9. descriptors: hard limit 1024 for serve, 1100 idle connections, then real requests.
    p, addr = start(base + ["--demo", "--listen", "127.0.0.1:0"], env, limit_nofile=1024)
    conns = []
    for _ in range(1100):
        try:
            conns.append(connect(addr))
        except OSError:
            break
    time.sleep(0.5)
    def health():
        try:
            return request(addr, HEALTH, 5)
        except OSError:
            return ("reset", 0.0)
    results = [health() for _ in range(10)]
    statuses = [r[0] for r in results]
    slowest = max(r[1] for r in results)
    print(f"1100 idle connections at a descriptor limit of 1024: {len(conns)} connected, /healthz {statuses.count('200')}/10 answered 200, {statuses.count('reset') + statuses.count('none')}/10 closed at once (slowest {slowest * 1000:.0f} ms); serve holds {fds(p.pid)} descriptors")
    for s in conns[:400]:
        s.close()
    time.sleep(0.5)
    statuses = [health()[0] for _ in range(10)]
    print(f"  after the attacker lets go of 400: /healthz {statuses.count('200')}/10 answered 200")
    for s in conns:
        s.close()
    p.send_signal(signal.SIGTERM)
    p.wait(30)

    # 10. tokens.
    tok = "/tmp/serve-attacks-token"
    open(tok, "w").write("x\n")
    r = subprocess.run(base + ["--demo", "--listen", "127.0.0.1:0", "--token-file", tok], env=env, capture_output=True, timeout=30)
    print(f"a 1-character token file: exit {r.returncode}")
    r = subprocess.run(base + ["--demo", "--listen", "127.0.0.1:0"], env=dict(env, PHONE_SERVE_TOKEN="   "), capture_output=True, timeout=30)
    print(f"a whitespace-only PHONE_SERVE_TOKEN: exit {r.returncode}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""sasyncd's /metrics, scraped before and after a known load.

A real sasyncd on a SQLite file with [metrics] port=0; the load is sasync
CLI processes against it. The scrapes are parsed with Debian's
python3-prometheus-client, not with patterns, and the counters must move
by exactly what the load did: jobs, and requests by kind and result. A
client that stays connected shows as a peer with its messages, and its
series go when it does; a connection that sends a bad header is refused
and counted. Also: a metrics port that is taken, and one out of range,
stop sasyncd with one line.

Usage: metrics_scrape.py SASYNCD SASYNC_CLI
"""
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

SASYNCD, CLI = sys.argv[1], sys.argv[2]
WAIT = 60  # seconds any one step may take before the test fails
DDL_REFUSED = 1  # the exit code for invalid_argument (as for usage)


def fail(why):
    print("metrics_scrape: " + why, file=sys.stderr)
    sys.exit(1)


def start_node(work, *extra):
    config = os.path.join(work, "sasyncd.ini")
    with open(config, "w") as f:
        f.write('[sasync]\nurl="sqlite:///%s/m.db"\n[node]\nport=0\n'
                '[metrics]\nport=0\n' % work)
    node = subprocess.Popen([SASYNCD, "--config-file=" + config, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    return node


def read_addresses(node):
    """The node's port and the metrics' HOST:PORT, from its first lines."""
    port = metrics = None
    while port is None or metrics is None:
        line = node.stdout.readline()
        if not line:
            fail("sasyncd ended before it listened: " + node.stderr.read())
        if line.startswith("listening on "):
            port = line.strip().rsplit(":", 1)[1]
        elif line.startswith("metrics on "):
            metrics = line.strip()[len("metrics on "):]
    return port, metrics


def scrape(address):
    with urllib.request.urlopen("http://%s/metrics" % address,
                                timeout=WAIT) as r:
        if r.status != 200:
            fail("GET /metrics answered %d" % r.status)
        text = r.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def cli(port, *args, expect=0):
    r = subprocess.run([CLI, "--port", port, *args], capture_output=True,
                       text=True, timeout=WAIT)
    if r.returncode != expect:
        fail("sasync %s exited %d, not %d: %s" %
             (" ".join(args), r.returncode, expect, r.stderr.strip()))
    return r.stdout


def check_counters(port, address):
    # The group's actor and tables first, so the load below is its jobs only.
    cli(port, "items", "set", "7", "warm", "0")
    before = scrape(address)
    sets = 25
    for i in range(sets):
        cli(port, "items", "set", "7", "n%d" % i, str(i))
    # A compare-and-set that finds another version: a job that fails.
    cli(port, "items", "set", "7", "n0", "x", "--if-version", "99", expect=6)
    # A read streamed through a cursor, and DDL the node refuses itself.
    cli(port, "sql", "SELECT 1")
    cli(port, "sql", "CREATE TABLE t (x INTEGER)", expect=DDL_REFUSED)
    # Names over the limit: refused by the group actors before any job.
    cli(port, "items", "get", "7", "n" * 5000, expect=DDL_REFUSED)
    cli(port, "dict", "contains", "8", "n" * 5000, expect=DDL_REFUSED)
    after = scrape(address)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    checks = [
        ("sasync_jobs_total ok", moved("sasync_jobs_total", result="ok"),
         sets),
        ("sets answered ok",
         moved("sasync_requests_total", kind="set", result="ok"), sets),
        ("set durations", moved("sasync_request_seconds_count", kind="set"),
         sets),
        ("compare-and-sets in conflict",
         moved("sasync_requests_total", kind="set_if", result="conflict"), 1),
        ("compare-and-sets ok",
         moved("sasync_requests_total", kind="set_if", result="ok"), 0),
        ("queries", moved("sasync_requests_total", kind="query", result="ok"),
         1),
        ("statements refused by the node",
         moved("sasync_requests_total", kind="sql",
               result="invalid_argument"), 1),
        ("statements run", moved("sasync_requests_total", kind="sql",
                                 result="ok"), 0),
        ("items gets refused for a name over the limit",
         moved("sasync_requests_total", kind="get",
               result="invalid_argument"), 1),
        ("dict lookups refused for a name over the limit",
         moved("sasync_requests_total", kind="contains",
               result="invalid_argument"), 1),
        ("sasync_jobs_total conflict",
         moved("sasync_jobs_total", result="conflict"), 1),
        ("queue wait observations",
         moved("sasync_queue_wait_seconds_count"), sets + 1),
        ("jobs in transactions", moved("sasync_transaction_jobs_sum"),
         sets + 1),
    ]
    for what, got, want in checks:
        if got != want:
            fail("%s moved by %s, not %s" % (what, got, want))
    transactions = moved("sasync_transactions_total")
    if not 1 <= transactions <= sets + 1:
        fail("sasync_transactions_total moved by %s" % transactions)
    if moved("sasync_transaction_seconds_count") != transactions:
        fail("one duration per transaction: %s for %s" %
             (moved("sasync_transaction_seconds_count"), transactions))
    for name in ("sasync_up", "process_resident_memory_bytes",
                 "process_open_fds"):
        if value(after, name) <= 0:
            fail("%s is %s" % (name, value(after, name)))
    if value(after, "sasync_connections", state="open") < 1:
        fail("no open connection reported")
    if value(after, "sasync_group_actors", kind="items") < 1:
        fail("no items actor alive reported")
    opened = value(after, "sasync_connections_opened_total", kind="pool")
    if opened < 1:
        fail("sasync_connections_opened_total{kind=pool} is %s" % opened)
    print("metrics_scrape: %d sets and a conflict moved the counters by "
          "exactly that, in %d transactions" % (sets, transactions))
    # A dict's clear and the flush after it (sasync dict clear): kinds a
    # dict answers later, through a promise of its own.
    cli(port, "dict", "clear", "8")
    last = scrape(address)
    for kind in ("clear", "flush"):
        got = (value(last, "sasync_requests_total", kind=kind, result="ok") -
               value(after, "sasync_requests_total", kind=kind, result="ok"))
        if got != 1:
            fail("a dict %s moved sasync_requests_total by %s, not 1" %
                 (kind, got))


def peers(samples):
    """{peer: {(name, direction): value}} of the per-connection series."""
    out = {}
    for (name, labels), v in samples.items():
        labels = dict(labels)
        if name in ("sasync_peer_bytes_total", "sasync_peer_messages_total"):
            out.setdefault(labels["peer"], {})[(name, labels["direction"])] = v
    return out


def check_peers_and_refusals(port, address):
    """A client that waits on its input is a peer with messages both ways
    (its handshake at least); once it ends, its series are gone. A
    connection whose first bytes are no BASP header is refused, counted."""
    before = peers(scrape(address))
    client = subprocess.Popen([CLI, "--port", port, "items", "load", "7", "-"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        # Its request for the group is answered only after its handshake:
        # the items actor counts it.
        new = {}
        for _ in range(WAIT * 10):
            samples = scrape(address)
            new = {p: v for p, v in peers(samples).items() if p not in before}
            if new and all(v.get(("sasync_peer_messages_total", "in"), 0) > 0
                           and v.get(("sasync_peer_messages_total", "out"), 0)
                           > 0 for v in new.values()):
                break
            if client.poll() is not None:
                fail("sasync items load ended early: " + client.stderr.read())
            time.sleep(0.1)  # between polls of a bounded wait
        else:
            fail("no peer with messages in and out while a client is "
                 "connected: %r" % new)
        for p, v in new.items():
            if v[("sasync_peer_bytes_total", "in")] < 32 * \
                    v[("sasync_peer_messages_total", "in")]:
                fail("peer %s: fewer bytes than BASP headers: %r" % (p, v))
        client.stdin.write("a\tb\n")
        out, err = client.communicate(timeout=WAIT)
    finally:
        if client.poll() is None:
            client.kill()
    if client.returncode != 0:
        fail("sasync items load exited %d: %s" % (client.returncode, err))
    # The node sees the end of the connection after the client's exit.
    for _ in range(WAIT * 10):
        left = [p for p in new if p in peers(scrape(address))]
        if not left:
            break
        time.sleep(0.1)  # between polls of a bounded wait
    else:
        fail("series of peers gone stayed: %r" % left)
    print("metrics_scrape: a connected client showed as peer %s with "
          "messages in and out; its series went with it" % ", ".join(new))

    before = scrape(address)
    with socket.create_connection(("127.0.0.1", int(port)),
                                  timeout=WAIT) as s:
        s.sendall(b"\xff" * 32)  # operation 255: no BASP header
        s.settimeout(WAIT)
        try:
            while s.recv(4096):
                pass
        except ConnectionResetError:
            pass
    refused = value(scrape(address), "sasync_wire_refusals_total",
                    reason="header") - value(before,
                                             "sasync_wire_refusals_total",
                                             reason="header")
    if refused != 1:
        fail("a bad header moved sasync_wire_refusals_total{reason=header} "
             "by %s, not 1" % refused)
    print("metrics_scrape: a bad header was refused and counted once")


def check_refusals(work, taken_port):
    """A metrics port that is taken, or out of range: one line, no start."""
    for extra, code in ((["--metrics.port=" + taken_port], 2),
                        (["--metrics.port=70000"], 1)):
        node = start_node(work, *extra)
        try:
            out, err = node.communicate(timeout=WAIT)
        except subprocess.TimeoutExpired:
            node.kill()
            fail("sasyncd %s did not stop" % extra)
        lines = err.strip().splitlines()
        if node.returncode != code or len(lines) != 1:
            fail("sasyncd %s: exit %d, %r" % (extra, node.returncode, err))
        print("metrics_scrape: %s -> exit %d: %s" % (extra, code, lines[0]))


def main():
    with tempfile.TemporaryDirectory() as work:
        node = start_node(work)
        try:
            port, address = read_addresses(node)
            check_counters(port, address)
            check_peers_and_refusals(port, address)
            check_refusals(work, address.rsplit(":", 1)[1])
        finally:
            node.terminate()
            try:
                node.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                node.kill()
                fail("sasyncd did not drain on SIGTERM")
        if node.returncode != 0:
            fail("sasyncd exited %d on SIGTERM" % node.returncode)
    print("metrics_scrape: ok")


main()

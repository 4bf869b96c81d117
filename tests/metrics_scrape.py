"""sasyncd's /metrics, scraped before and after a known load.

A real sasyncd on a SQLite file with [metrics] port=0; the load is sasync
CLI processes against it. The scrapes are parsed with Debian's
python3-prometheus-client, not with patterns, and the counters must move
by exactly what the load did. Also: a metrics port that is taken, and one
out of range, stop sasyncd with one line.

Usage: metrics_scrape.py SASYNCD SASYNC_CLI
"""
import os
import subprocess
import sys
import tempfile
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

SASYNCD, CLI = sys.argv[1], sys.argv[2]
WAIT = 60  # seconds any one step may take before the test fails


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
    after = scrape(address)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    checks = [
        ("sasync_jobs_total ok", moved("sasync_jobs_total", result="ok"),
         sets),
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
    print("metrics_scrape: %d sets and a conflict moved the counters by "
          "exactly that, in %d transactions" % (sets, transactions))


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

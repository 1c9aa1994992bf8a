#!/usr/bin/env python3
"""Soak: swamond under churn for a long time, with its resources sampled every minute.

  Tests/soak/run.py [--minutes 60] [--daemon PATH] [--workload PATH] [--json OUT]

8 contexts, each monitoring two processes of its own: a long-lived one and one that is replaced
every cycle (stop all, new targets, start all, as the debugfs rules require), while a stream of
clients connect, ask, watch for a while and disconnect, and a scraper asks `status` every second.
Every minute: open fds, threads, RSS of the daemon, and per context the measured sample period
(status's sample_period_us: like kdamond, swamond sleeps one interval after each sample's work,
so the period is the interval plus that work) and the samples whose work overran the interval.
An aggregation is on time when it closes after its samples (aggregations are counted in samples,
as in the kernel) and the sample period stays under twice the interval: clients, watchers and
scrapes must not stretch it. Ends with PASS/FAIL on the bounds: fds and threads back to their first
value within a small slack, RSS growth under 8 MiB after the first ten minutes, every context's
sample period under 2x the interval in every minute, and aggregations = samples / 20 (+-1).
"""
import argparse, json, os, random, signal, socket, subprocess, sys, tempfile, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("--minutes", type=float, default=60)
ap.add_argument("--daemon", default=".build/release/swamond")
ap.add_argument("--workload", default=".build/release/swamon-workload")
ap.add_argument("--json")
args = ap.parse_args()

work = tempfile.mkdtemp(prefix="swamon-soak-")
os.chmod(work, 0o755)
sock = os.path.join(work, "swamond.sock")
log = open(os.path.join(work, "swamond.log"), "w")
daemon = subprocess.Popen([args.daemon, "--socket", sock, "--set", "journal_every=0", "--set", "max_connections=512"],
                          stderr=log, stdout=log)
for _ in range(500):
    if os.path.exists(sock): break
    time.sleep(0.01)

def ask(line, timeout=10):
    s = socket.socket(socket.AF_UNIX); s.settimeout(timeout); s.connect(sock)
    s.sendall((line + "\n").encode()); data = b""
    while not (data.endswith(b"ok\n") or b"\nerror " in b"\n" + data):
        chunk = s.recv(65536)
        if not chunk: break
        data += chunk
    s.close(); return data.decode()

def spawn(mib):
    p = subprocess.Popen([args.workload, "--hot-mib", str(max(1, mib // 8)), "--cold-mib", str(mib)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    p.stdout.readline()  # ready line
    return p

CONTEXTS = ["root"] + [f"c{i}" for i in range(1, 8)]
SAMPLE_US, AGGR_US = 20_000, 400_000
for name in CONTEXTS[1:]: ask(f"write mk_contexts {name}")
for name in CONTEXTS:
    prefix = "" if name == "root" else name + "/"
    ask(f"write {prefix}attrs {SAMPLE_US} {AGGR_US} 2000000 10 100")
lasting = {name: spawn(8) for name in CONTEXTS}
churning = {}
stop = threading.Event()
errors = []

def cycle():
    """Replaces every context's second target and restarts monitoring."""
    if ask("read monitor_on").startswith("on"): ask("write monitor_on off")
    for name in CONTEXTS:
        old = churning.pop(name, None)
        if old: old.kill(); old.wait()
        churning[name] = spawn(4)
        prefix = "" if name == "root" else name + "/"
        reply = ask(f"write {prefix}target_ids {lasting[name].pid} {churning[name].pid}")
        if not reply.startswith("ok"): errors.append(f"target_ids {name}: {reply.strip()}")
    reply = ask("write monitor_on on")
    if not reply.startswith("ok"): errors.append(f"on: {reply.strip()}")

def clients():
    while not stop.is_set():
        try:
            kind = random.random()
            if kind < 0.3:
                s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sock)
                s.sendall(b"watch\n"); end = time.time() + random.uniform(0.5, 3)
                while time.time() < end: s.recv(65536)
                s.close()
            elif kind < 0.5:
                s = socket.socket(socket.AF_UNIX); s.connect(sock); s.sendall(b"read att"); time.sleep(0.2); s.close()
            else:
                ask(random.choice(["read attrs", "read c3/regions", "status", "version", "read target_ids"]))
        except Exception as e:
            errors.append(f"client: {e}")
        time.sleep(0.05)

def scraper():
    while not stop.is_set():
        try: ask("status")
        except Exception as e: errors.append(f"scrape: {e}")
        time.sleep(1)

def resources():
    pid = daemon.pid
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    threads = len(os.listdir(f"/proc/{pid}/task"))
    rss = next(int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS:"))
    return fds, threads, rss

def pace():
    """Per context: (sample period us, overruns, aggregations, samples, state)."""
    out = {}
    for line in ask("status").splitlines():
        if not line.startswith("context="): continue
        f = dict(w.split("=", 1) for w in line.split() if "=" in w)
        out[f["context"]] = (int(f["sample_period_us"]), int(f["overruns"]), int(f["aggregations"]), int(f["samples"]), f["state"])
    return out

threads = [threading.Thread(target=clients, daemon=True) for _ in range(3)] + [threading.Thread(target=scraper, daemon=True)]
for t in threads: t.start()
samples = []
started = time.time()
cycle()
minute = 0
while time.time() - started < args.minutes * 60:
    time.sleep(max(0, started + (minute + 1) * 60 - time.time()))
    minute += 1
    p = pace()
    fds, nthreads, rss = resources()
    period = max(v[0] for v in p.values())
    overruns = sum(v[1] for v in p.values())
    counting = all(abs(v[2] - v[3] // (AGGR_US // SAMPLE_US)) <= 1 for v in p.values())
    stopped = [n for n, v in p.items() if v[4] != "on"]
    samples.append({"minute": minute, "load": round(os.getloadavg()[0], 2), "fds": fds, "threads": nthreads, "rss_kib": rss,
                    "max_sample_period_us": period, "overruns": overruns, "aggregations_follow_samples": counting,
                    "stopped": stopped})
    print(json.dumps(samples[-1]), flush=True)
    cycle()  # a new cycle every minute: targets replaced, monitoring restarted
stop.set()
time.sleep(3)
fds, nthreads, rss = resources()
final = {"fds": fds, "threads": nthreads, "rss_kib": rss}
daemon.send_signal(signal.SIGTERM); daemon.wait(timeout=30)
for p in list(lasting.values()) + list(churning.values()): p.kill()
first, settled = samples[0], samples[min(9, len(samples) - 1)]
checks = [
    ("fds return to their first value (+8)", final["fds"] <= first["fds"] + 8, f"{first['fds']} -> {final['fds']}"),
    ("threads return to their first value (+4)", final["threads"] <= first["threads"] + 4, f"{first['threads']} -> {final['threads']}"),
    ("RSS grows < 8 MiB after minute 10", final["rss_kib"] - settled["rss_kib"] < 8192, f"{settled['rss_kib']} -> {final['rss_kib']} KiB"),
    ("sample period under 2x the interval in every minute", max(s["max_sample_period_us"] for s in samples) < 2 * SAMPLE_US,
     f"worst {max(s['max_sample_period_us'] for s in samples)} us for {SAMPLE_US} us; overruns {sum(s['overruns'] for s in samples)}"),
    ("aggregations close after their samples", all(s["aggregations_follow_samples"] for s in samples), ""),
    ("no context stopped by itself", not any(s["stopped"] for s in samples), ""),
    ("no client error", not errors, "; ".join(errors[:5])),
    ("daemon exited cleanly", daemon.returncode == 0, f"exit {daemon.returncode}"),
]
passed = sum(1 for _, ok, _ in checks if ok)
for name, ok, detail in checks: print(("PASS " if ok else "FAIL ") + name + (": " + detail if detail else ""))
if args.json:
    json.dump({"minutes": args.minutes, "samples": samples, "final": final,
               "checks": [{"check": n, "ok": ok, "detail": d} for n, ok, d in checks]}, open(args.json, "w"), indent=1)
print(f"{passed} passed, {len(checks) - passed} failed")
sys.exit(0 if passed == len(checks) else 1)

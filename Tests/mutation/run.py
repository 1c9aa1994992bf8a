#!/usr/bin/env python3
"""Mutation testing: applies each mutant of Tests/mutation/mutants.txt, one at a time, to a
scratch copy of the repository, builds and runs the host suite (`swift test`), and reports which
mutants the suite killed. The scratch copy and its .build live outside the repository
(SWAMON_MUTATION_DIR, default /var/tmp/swamon-mutation) so builds are incremental between
mutants.

    Tests/mutation/run.py                 # every mutant, then the score
    Tests/mutation/run.py --only ID,ID    # some
    Tests/mutation/run.py --check         # only check that every mutant applies (seconds)
    Tests/mutation/run.py --json FILE     # also write the results as JSON
"""
import argparse, ctypes, json, os, re, shutil, signal, subprocess, sys, threading, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def parse(path):
    mutants, current = [], None
    for number, line in enumerate(open(path), 1):
        line = line.rstrip("\n")
        if line.startswith("## "):
            current = {"id": line[3:].strip(), "line": number, "why": "", "survives": None}
            mutants.append(current)
        elif current is None or not line.strip():
            continue
        elif line.startswith("# "):
            current["why"] = line[2:].strip()
        elif line.startswith("@ "):
            current["file"] = line[2:].strip()
        elif line.startswith("- "):
            current["old"] = line[2:].strip()
        elif line.startswith("+ "):
            current["new"] = line[2:].strip()
        elif line.startswith("survives: "):
            current["survives"] = line[len("survives: "):].strip()
        else:
            sys.exit(f"mutants.txt:{number}: cannot read '{line}'")
    for m in mutants:
        for key in ("file", "old", "new"):
            if key not in m:
                sys.exit(f"mutants.txt:{m['line']}: mutant {m['id']} has no {key}")
    ids = [m["id"] for m in mutants]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        sys.exit(f"duplicate mutant ids: {sorted(duplicates)}")
    return mutants


def locate(text, old):
    """The span of `old` in `text`, ignoring leading spaces of the line; None unless unique."""
    hits = [match.span() for match in re.finditer(re.escape(old), text)]
    return hits[0] if len(hits) == 1 else None


def run(command, cwd, timeout, log, stop_at_failure=False):
    """Runs `command` into `log`; with stop_at_failure, ends it at the first failed test (the
    mutant is killed then, the rest of the suite adds nothing)."""
    started = time.time()
    with open(log, "w") as out:
        # No symbolicated backtrace for a crashing mutant: it takes minutes and decides nothing.
        environment = dict(os.environ, SWIFT_BACKTRACE="enable=no")
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, errors="replace", start_new_session=True, env=environment)
        code = None
        # A deadlocked mutant prints nothing more: the timeout cannot wait for the next line.
        timed_out = threading.Event()
        def expire():
            timed_out.set()
            end_tree(process.pid)
        watchdog = threading.Timer(timeout, expire)
        watchdog.start()
        for line in process.stdout:
            out.write(line)
            if stop_at_failure and (line.startswith("✘ Test ") or " crashed:" in line or "Fatal error:" in line):
                end_tree(process.pid)
                code = "failed"
                break
        watchdog.cancel()
        process.wait()
        if code is None and timed_out.is_set():
            code = "timeout"
        if code is None:
            code = process.returncode
    return code, time.time() - started


def descendants(root):
    """Every process below `root`, read from /proc (the test runner's daemons and workloads sit
    in process groups of their own)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, queue = [], [root]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def become_subreaper():
    """Orphans of a crashed suite (its daemons and workloads) become this runner's children
    (PR_SET_CHILD_SUBREAPER), so that `clean_up` finds them."""
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)


def clean_up():
    """Kills whatever a suite left running below this runner and reaps it; runs after each suite."""
    for pid in descendants(os.getpid()):
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                break
        except ChildProcessError:
            break


def end_tree(root):
    """Kills a stopped suite with everything it started, so that no daemon or workload of a
    killed mutant lives on to load the machine for the next one."""
    # Stopped first, tree re-read until it stops growing: a suite killed while a test was starting
    # a daemon would otherwise leave that daemon behind, reparented to init.
    stopped = set()
    while True:
        tree = [root] + descendants(root)
        fresh = [pid for pid in tree if pid not in stopped]
        if not fresh:
            break
        for pid in fresh:
            try:
                os.kill(pid, signal.SIGSTOP)
            except OSError:
                pass
            stopped.add(pid)
    for pid in stopped:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def sync(scratch):
    """Copies the repository's files (tracked and new, not ignored) into scratch/src, touching
    only those that differ so the scratch build stays incremental; drops sources gone since."""
    names = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    names = {n for n in names if n and os.path.isfile(os.path.join(ROOT, n))}
    src = os.path.join(scratch, "src")
    for name in names:
        source, target = os.path.join(ROOT, name), os.path.join(src, name)
        data = open(source, "rb").read()
        if os.path.exists(target) and open(target, "rb").read() == data:
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(source, target)
    for top in ("Sources", "Tests"):
        for directory, _, files in os.walk(os.path.join(src, top)):
            for file in files:
                name = os.path.relpath(os.path.join(directory, file), src)
                if name not in names:
                    os.remove(os.path.join(directory, file))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated mutant ids")
    parser.add_argument("--from", dest="start", help="start at this mutant id (resume a run)")
    parser.add_argument("--check", action="store_true", help="only check that each mutant applies")
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--list", default=os.path.join(ROOT, "Tests/mutation/mutants.txt"))
    args = parser.parse_args()
    mutants = parse(args.list)
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {m["id"] for m in mutants}
        if unknown:
            sys.exit(f"unknown mutant ids: {sorted(unknown)}")
        mutants = [m for m in mutants if m["id"] in wanted]
    if args.start:
        ids = [m["id"] for m in mutants]
        if args.start not in ids:
            sys.exit(f"unknown mutant id {args.start}")
        mutants = mutants[ids.index(args.start):]

    bad = []
    for m in mutants:
        text = open(os.path.join(ROOT, m["file"])).read()
        if locate(text, m["old"]) is None:
            bad.append(f"{m['id']}: '{m['old']}' does not occur exactly once in {m['file']}")
    if bad:
        print("\n".join(bad))
        sys.exit(f"{len(bad)} mutants do not apply")
    print(f"{len(mutants)} mutants apply")
    if args.check:
        return

    become_subreaper()
    scratch = os.environ.get("SWAMON_MUTATION_DIR", "/var/tmp/swamon-mutation")
    sync(scratch)
    src = os.path.join(scratch, "src")
    logs = os.path.join(scratch, "logs")
    os.makedirs(logs, exist_ok=True)
    build = ["swift", "build", "--build-tests"]
    test = ["swift", "test", "--skip-build"]

    code, took = run(build, src, 3600, os.path.join(logs, "baseline-build.txt"))
    if code != 0:
        sys.exit(f"the unmutated build failed ({code}); see {logs}/baseline-build.txt")
    code, took = run(test, src, 1800, os.path.join(logs, "baseline-test.txt"))
    clean_up()
    if code != 0:
        sys.exit(f"the unmutated suite fails ({code}); see {logs}/baseline-test.txt")
    print(f"baseline: suite passes in {took:.0f} s")
    # A mutant that makes a test hang (a deadlock) is killed once the suite takes 4× as long.
    test_limit = max(600, 4 * took)

    results = []
    for m in mutants:
        path = os.path.join(src, m["file"])
        original = open(path).read()
        start, end = locate(original, m["old"])
        try:
            open(path, "w").write(original[:start] + m["new"] + original[end:])
            code, build_took = run(build, src, 3600, os.path.join(logs, m["id"] + "-build.txt"))
            if code != 0:
                verdict, failed = "stillborn", []
            else:
                log = os.path.join(logs, m["id"] + "-test.txt")
                code, _ = run(test, src, test_limit, log, stop_at_failure=True)
                clean_up()
                text = open(log, errors="replace").read()
                crashed = " crashed:" in text or "Fatal error:" in text
                failed = sorted(set(re.findall(r"✘ Test (\S+?)\(", text))) or (["(the test process crashed)"] if crashed else [])
                if code == "timeout":
                    failed = failed or ["(the suite hung: timed out)"]
                verdict = "killed" if code != 0 else "survived"
        finally:
            open(path, "w").write(original)
        results.append({"id": m["id"], "file": m["file"], "why": m["why"], "verdict": verdict,
                        "killed_by": failed[:8], "expected_survivor": m["survives"]})
        note = f" by {', '.join(failed[:3])}" if failed else ""
        print(f"{verdict:<10} {m['id']}{note}", flush=True)
    # Leave the scratch tree built as the repository is.
    run(build, src, 3600, os.path.join(logs, "restore-build.txt"))

    valid = [r for r in results if r["verdict"] != "stillborn"]
    killed = [r for r in valid if r["verdict"] == "killed"]
    survived = [r for r in valid if r["verdict"] == "survived"]
    print(f"\nmutation score: {len(killed)} of {len(valid)} killed ({100 * len(killed) / max(len(valid), 1):.0f} %), "
          f"{len(results) - len(valid)} did not compile")
    for r in survived:
        reason = r["expected_survivor"] or "NOT EXPECTED: a gap in the suite"
        print(f"  survived {r['id']}: {reason}")
    unexpected = [r for r in valid if r["expected_survivor"] and r["verdict"] == "killed"]
    for r in unexpected:
        print(f"  killed although listed as a survivor: {r['id']} (update mutants.txt)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"killed": len(killed), "valid": len(valid), "results": results}, f, indent=1)
    sys.exit(0 if all(r["expected_survivor"] for r in survived) else 1)


if __name__ == "__main__":
    main()

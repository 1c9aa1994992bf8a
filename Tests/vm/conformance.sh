#!/usr/bin/env bash
# Runs Tests/conformance/conformance.sh in the tier-3 guest against the kernel's DAMON debugfs
# and against swamond, and prints one line per case with both verdicts. A difference is either
# listed with its reason in Tests/conformance/deviations.txt or fails the run.
set -uo pipefail
cd "$(dirname "$0")/../.."
LOG=${SWAMON_CONFORMANCE_LOG:-/tmp/swamon-conformance-guest.txt}
Tests/vm/boot.sh Tests/vm/conformance-init.sh "$LOG" || exit 1
python3 - "$LOG" Tests/conformance/deviations.txt <<'PY'
import sys
sides = {"kernel": {}, "swamond": {}}
order = []
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split(" ", 4)
    if len(f) >= 4 and f[0] == "GUEST" and f[1] in sides and f[2] == "case":
        sides[f[1]][f[3]] = f[4] if len(f) > 4 else ""
        if f[3] not in order: order.append(f[3])
deviations = {}
for line in open(sys.argv[2]):
    if line.strip() and not line.startswith("#"):
        name, kernel, swamond, reason = (part.strip() for part in line.rstrip("\n").split(" :: ", 3))
        deviations[name] = (kernel, swamond, reason)
same = documented = unexplained = 0
width = max(len(n) for n in order) if order else 10
for name in order:
    k, s = sides["kernel"].get(name, "(missing)"), sides["swamond"].get(name, "(missing)")
    listed = deviations.get(name)
    if k == s and not listed:
        verdict = "same"; same += 1
    elif k == s:
        verdict = "LISTED AS A DEVIATION BUT THE SAME"; unexplained += 1
    elif listed and listed[:2] == (k, s):
        verdict = "deviation: " + listed[2]; documented += 1
    elif listed:
        verdict = f"DIFFERENT FROM THE LISTED ANSWERS (kernel {listed[0]}, swamond {listed[1]})"; unexplained += 1
    else:
        verdict = "DIFFERENT"; unexplained += 1
    print(f"{name:<{width}}  kernel {k:<40}  swamond {s:<40}  {verdict}")
for name in deviations:
    if name not in order:
        print(f"{name:<{width}}  LISTED AS A DEVIATION BUT NOT RUN"); unexplained += 1
print(f"conformance: {len(order)} cases, {same} same, {documented} documented deviations, {unexplained} unexplained differences")
sys.exit(1 if unexplained or not order else 0)
PY

"""What the tier-3 judges share (Tests/vm/run.sh, Tests/vm/damos.sh): the guest's GUEST lines and
PASS/FAIL checks with a closing count."""
import sys


class Judge:
    def __init__(self, log):
        self.lines = [line.split() for line in open(log) if line.startswith("GUEST ")]
        self.passed = self.failed = 0

    def check(self, name, ok, detail=""):
        print(("PASS " if ok else "FAIL ") + name + (": " + detail if detail else ""))
        if ok:
            self.passed += 1
        else:
            self.failed += 1

    def finish(self, tier):
        """Prints the count and exits non-zero on any failure."""
        print(f"{tier}: {self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)

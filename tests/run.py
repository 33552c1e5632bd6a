#!/usr/bin/python3
"""Runs every test of archmailbox and prints one closing line
`N passed, N failed`: C unit tests (ASan+UBSan), man page lint, brief
libFuzzer runs of every target, and the pytest integration tests."""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAN_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:strict_string_checks=1",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
}


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def add(self, name, ok):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            self.failures.append(name)


def run_unit(build, tally):
    exe = os.path.join(build, "asan", "bin", "unit-tests")
    env = dict(os.environ, **SAN_ENV)
    proc = subprocess.run([exe], cwd=ROOT, env=env, text=True,
                          stdout=subprocess.PIPE)
    sys.stdout.write(proc.stdout)
    seen = 0
    for line in proc.stdout.splitlines():
        if line.startswith("ok   "):
            tally.add("unit " + line[5:], True)
            seen += 1
        elif line.startswith("FAIL "):
            tally.add("unit " + line[5:], False)
            seen += 1
    if proc.returncode != 0 and seen == 0 or "unit:" not in proc.stdout:
        tally.add("unit-tests binary (exit %d)" % proc.returncode, False)


def run_man(tally):
    mandir = os.path.join(ROOT, "man")
    for name in sorted(os.listdir(mandir)) if os.path.isdir(mandir) else []:
        path = os.path.join(mandir, name)
        proc = subprocess.run(["mandoc", "-Tlint", "-Wwarning", path],
                              text=True, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
        ok = proc.returncode == 0 and not proc.stdout.strip()
        print(("ok   " if ok else "FAIL ") + "man " + name)
        if not ok:
            print(proc.stdout)
        tally.add("man " + name, ok)


def run_fuzz(build, tally, seconds):
    bindir = os.path.join(build, "fuzz", "bin")
    names = sorted(os.listdir(bindir)) if os.path.isdir(bindir) else []
    for name in names:
        seeds = os.path.join(ROOT, "tests", "fuzz", "corpus", name)
        with tempfile.TemporaryDirectory() as work:
            dirs = [work] + ([seeds] if os.path.isdir(seeds) else [])
            cmd = [os.path.join(bindir, name), "-max_total_time=%d" % seconds,
                   "-rss_limit_mb=2048", "-timeout=10",
                   "-artifact_prefix=%s/" % work] + dirs
            proc = subprocess.run(cmd, text=True, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT,
                                  env=dict(os.environ, **SAN_ENV))
            ok = proc.returncode == 0
            last = [l for l in proc.stdout.splitlines() if l.startswith("Done")]
            print(("ok   " if ok else "FAIL ") + "fuzz " + name + " " +
                  (last[-1] if last else ""))
            if not ok:
                print("\n".join(proc.stdout.splitlines()[-40:]))
                for art in os.listdir(work):
                    if art.startswith(("crash-", "leak-", "timeout-", "oom-")):
                        shutil.copy(os.path.join(work, art), ROOT)
                        print("artifact saved:", art)
            tally.add("fuzz " + name, ok)


def run_pytest(build, tally, extra):
    xml = os.path.join(build, "pytest.xml")
    env = dict(os.environ, **SAN_ENV)
    env["AMB_BIN"] = os.path.abspath(os.path.join(build, "asan", "bin"))
    env["AMB_REL_BIN"] = os.path.abspath(os.path.join(build, "rel", "bin"))
    env["AMB_ROOT"] = ROOT
    cmd = ["/usr/bin/python3", "-m", "pytest", "-q", "-rfEs",
           "-p", "no:cacheprovider", "--junitxml=" + xml,
           os.path.join(ROOT, "tests", "integration")] + extra
    if os.path.exists(xml):
        os.unlink(xml)
    proc = subprocess.run(cmd, cwd=ROOT, env=env)
    if proc.returncode == 5:        # no tests collected
        return
    if not os.path.exists(xml):
        tally.add("pytest (exit %d, no report)" % proc.returncode, False)
        return
    for case in ET.parse(xml).getroot().iter("testcase"):
        name = "%s::%s" % (case.get("classname"), case.get("name"))
        if case.find("skipped") is not None:
            tally.skipped += 1
        else:
            bad = case.find("failure") is not None or case.find("error") is not None
            tally.add(name, not bad)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", choices=["unit", "man", "fuzz", "pytest"])
    ap.add_argument("--fuzz-seconds", type=int,
                    default=int(os.environ.get("FUZZ_SECONDS_TEST", "5")))
    ap.add_argument("pytest_args", nargs="*")
    args = ap.parse_args()
    build = os.path.join(ROOT, args.build)
    tally = Tally()
    steps = {
        "unit": lambda: run_unit(build, tally),
        "man": lambda: run_man(tally),
        "fuzz": lambda: run_fuzz(build, tally, args.fuzz_seconds),
        "pytest": lambda: run_pytest(build, tally, args.pytest_args),
    }
    for name, step in steps.items():
        if args.only in (None, name):
            print("== %s" % name, flush=True)
            step()
            sys.stdout.flush()
    if tally.failures:
        print("failed:")
        for f in tally.failures:
            print("  " + f)
    tail = ", %d skipped" % tally.skipped if tally.skipped else ""
    print("%d passed, %d failed%s" % (tally.passed, tally.failed, tail))
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())

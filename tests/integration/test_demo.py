"""`make run`'s script: initialises the demo instance, starts mailboxd and
prints a swaks command that delivers to it."""
import glob
import os
import re
import shlex
import signal
import subprocess
import time

from conftest import BIN, ROOT


def test_demo_prints_a_working_swaks_command(tmp_path):
    var = tmp_path / "var"
    env = dict(os.environ, VAR=str(var))
    proc = subprocess.Popen([os.path.join(ROOT, "scripts", "demo.sh"), BIN],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=env, text=True)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "listening for smtp" in line:
                break
        text = "".join(lines)
        assert re.search(r"password\s+\S{8,}", text), text
        [cmd] = [l.strip() for l in lines if l.strip().startswith("swaks ")]
        out = subprocess.run(shlex.split(cmd), capture_output=True, text=True,
                             timeout=60)
        assert "250 2.0.0 Ok: queued as" in out.stdout, out.stdout
        deadline = time.time() + 20
        md = var / "mail/example.test/demo/Maildir"
        stored = lambda: glob.glob(str(md / "new/*")) + glob.glob(str(md / "cur/*"))
        while not stored() and time.time() < deadline:
            time.sleep(0.05)
        assert len(stored()) == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=30)[0]
        assert "Sanitizer" not in rest, rest
    assert proc.returncode == 0

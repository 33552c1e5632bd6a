"""Certificates from an ACME server: Debian's pebble on loopback, its
validation pointed at the instance's challenge ports through a dnslib
server that answers 127.0.0.1 for every name. `cert issue` gets a
certificate that SMTP STARTTLS, submissions and IMAPS then present; a
forced renewal swaps it while an IMAP session stays open; `cert deploy`
refuses a key that does not match and changes nothing."""
import hashlib
import imaplib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time

import pytest
from dnslib import QTYPE, RCODE, RR, A
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from conftest import Instance, Server, free_port

PEBBLE = shutil.which("pebble") or "/usr/bin/pebble"
pytestmark = pytest.mark.skipif(not os.path.exists(PEBBLE),
                                reason="pebble is not installed")


class Loopback(BaseResolver):
    """A 127.0.0.1 for every name but nx.*; no other records."""

    def resolve(self, request, handler):
        reply = request.reply()
        if str(request.q.qname).startswith("nx."):
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.A:
            reply.add_answer(RR(request.q.qname, QTYPE.A, rdata=A("127.0.0.1"),
                                ttl=60))
        return reply


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_pebble_tls(d):
    """A CA and a certificate for pebble's own HTTPS on 127.0.0.1."""
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out",
            "ca.pem", "-days", "2", "-subj", "/CN=test ACME CA", cwd=d)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj",
            "/CN=localhost", cwd=d)
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey",
            "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2",
            "-extfile", "ext.cnf", cwd=d)


def wait_port(port, proc, log):
    deadline = time.time() + 20
    while time.time() < deadline:
        assert proc.poll() is None, open(log).read()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("pebble did not start:\n" + open(log).read())


class Pebble:
    def __init__(self, d, tls_port, http_port, dns_port):
        self.dir = d
        make_pebble_tls(d)
        self.port, mgmt = free_port(), free_port()
        conf = {"pebble": {
            "listenAddress": f"127.0.0.1:{self.port}",
            "managementListenAddress": f"127.0.0.1:{mgmt}",
            "certificate": os.path.join(d, "server.pem"),
            "privateKey": os.path.join(d, "server.key"),
            "httpPort": http_port, "tlsPort": tls_port,
            "ocspResponderURL": "", "externalAccountBindingRequired": False}}
        path = os.path.join(d, "pebble.json")
        with open(path, "w") as f:
            json.dump(conf, f)
        self.log = os.path.join(d, "pebble.log")
        env = dict(os.environ, PEBBLE_VA_NOSLEEP="1", PEBBLE_AUTHZREUSE="0")
        with open(self.log, "wb") as logf:
            self.proc = subprocess.Popen(
                [PEBBLE, "-config", path, "-dnsserver", f"127.0.0.1:{dns_port}"],
                stdout=logf, stderr=subprocess.STDOUT, env=env)
        wait_port(self.port, self.proc, self.log)
        self.url = f"https://127.0.0.1:{self.port}/dir"
        self.ca = os.path.join(d, "ca.pem")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def acme_env(tmp_path):
    """(instance with challenge ports, pebble) and the DNS server."""
    dns_port = free_port()
    dns = DNSServer(Loopback(), port=dns_port, address="127.0.0.1",
                    logger=DNSLogger(logf=lambda s: None))
    dns.start_thread()
    inst = Instance(tmp_path / "inst")
    tls_port, http_port = free_port(), free_port()
    inst.ctl("config", "set", "acme_tls_port", str(tls_port), check=0)
    inst.ctl("config", "set", "acme_http_port", str(http_port), check=0)
    d = tmp_path / "pebble"
    d.mkdir()
    peb = Pebble(str(d), tls_port, http_port, dns_port)
    yield inst, peb
    peb.stop()
    dns.stop()


def issue(inst, peb, *extra, check=0):
    return inst.ctl("cert", "issue", "--directory", peb.url, "--directory-ca",
                    peb.ca, *extra, check=check)


def leaf_fingerprint(path):
    with open(path) as f:
        pem = f.read()
    first = pem[:pem.index("-----END CERTIFICATE-----") + 25]
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(first)).hexdigest()


def test_issue_without_mailboxd(acme_env):
    inst, peb = acme_env
    r = issue(inst, peb)
    assert "installed the certificate" in r.out, r.out
    st = inst.ctl("cert", "status", check=0).out
    assert "Pebble" in st and "self-signed" not in st, st
    assert f"renewal      by mailboxd from {peb.url}" in st, st
    assert os.stat(inst.path("acme", "account.key")).st_mode & 0o777 == 0o600
    backups = [n for n in os.listdir(inst.path("tls")) if n.startswith("backup-")]
    assert len(backups) == 1, backups


def s_client_leaf(port, starttls=None):
    """SHA-256 of the certificate `openssl s_client` sees on port."""
    args = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}"]
    if starttls:
        args += ["-starttls", starttls]
    p = subprocess.run(args, input=b"", stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=30)
    out = p.stdout.decode(errors="replace")
    assert "-----BEGIN CERTIFICATE-----" in out, out
    pem = out[out.index("-----BEGIN CERTIFICATE-----"):]
    pem = pem[:pem.index("-----END CERTIFICATE-----") + 25]
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()


def served(srv):
    return {s_client_leaf(srv.smtp_port, "smtp"),
            s_client_leaf(srv.submissions_port),
            s_client_leaf(srv.imaps_port)}


def wait_served(srv, want):
    deadline = time.time() + 15
    while served(srv) != {want} and time.time() < deadline:
        time.sleep(0.2)
    assert served(srv) == {want}


def test_issue_renew_with_mailboxd(acme_env):
    from test_imap_login import tls_context
    from test_inbound import PASSWORD, add_user
    inst, peb = acme_env
    add_user(inst, "demo@example.test")
    srv = Server(inst).start()
    try:
        self_signed = leaf_fingerprint(inst.path("tls", "fullchain.pem"))
        assert served(srv) == {self_signed}
        r = issue(inst, peb)
        assert "reloads it" in r.out, r.out
        first = leaf_fingerprint(inst.path("tls", "fullchain.pem"))
        assert first != self_signed
        wait_served(srv, first)
        # An IMAP session opened on the first certificate...
        m = imaplib.IMAP4_SSL("127.0.0.1", srv.imaps_port,
                              ssl_context=tls_context(), timeout=30)
        m.login("demo@example.test", PASSWORD)
        assert m.select("INBOX")[0] == "OK"
        inst.ctl("cert", "renew", "--force", check=0)
        second = leaf_fingerprint(inst.path("tls", "fullchain.pem"))
        assert second != first
        wait_served(srv, second)
        # ...keeps working after the swap.
        assert m.noop()[0] == "OK"
        assert m.select("INBOX")[0] == "OK"
        m.logout()
        # Without --force a fresh certificate is not renewed.
        r = inst.ctl("cert", "renew", check=0)
        assert "not renewed" in r.out
        assert leaf_fingerprint(inst.path("tls", "fullchain.pem")) == second
    finally:
        srv.stop()


def test_mailboxd_renews_by_itself(acme_env, tmp_path):
    inst, peb = acme_env
    issue(inst, peb)
    # A self-signed certificate in its place is due for renewal.
    host = inst.ctl("config", "get", "hostname").out.split()[-1]
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-nodes", "-keyout", "k.pem", "-out",
            "c.pem", "-days", "2", "-subj", f"/CN={host}", "-addext",
            f"subjectAltName=DNS:{host}", cwd=str(tmp_path))
    inst.ctl("cert", "deploy", str(tmp_path / "c.pem"), str(tmp_path / "k.pem"),
             check=0)
    stale = leaf_fingerprint(inst.path("tls", "fullchain.pem"))
    srv = Server(inst).start()
    try:
        assert served(srv) == {stale}
        srv.proc.send_signal(signal.SIGUSR2)
        deadline = time.time() + 30
        while time.time() < deadline and \
                leaf_fingerprint(inst.path("tls", "fullchain.pem")) == stale:
            time.sleep(0.2)
        fresh = leaf_fingerprint(inst.path("tls", "fullchain.pem"))
        assert fresh != stale, srv.read_log()
        wait_served(srv, fresh)
        assert "renewal: installed the certificate" in srv.read_log()
        assert "Pebble" in inst.ctl("cert", "status", check=0).out
    finally:
        srv.stop()


def test_deploy_refuses_mismatched_key(acme_env, tmp_path):
    inst, peb = acme_env
    issue(inst, peb)
    cert, key = inst.path("tls", "fullchain.pem"), inst.path("tls", "private.key")
    before = {p: open(p, "rb").read() for p in (cert, key)}
    listing = sorted(os.listdir(inst.path("tls")))
    other = tmp_path / "other.key"
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-out", str(other), cwd=str(tmp_path))
    r = inst.ctl("cert", "deploy", cert, str(other), check=1)
    assert "does not match" in r.err and "nothing changed" in r.err, r.err
    assert len(r.err.strip().splitlines()) == 1
    assert {p: open(p, "rb").read() for p in (cert, key)} == before
    assert sorted(os.listdir(inst.path("tls"))) == listing
    # The matching pair is accepted (and the old one backed up).
    shutil.copy(cert, tmp_path / "c.pem")
    shutil.copy(key, tmp_path / "k.pem")
    r = inst.ctl("cert", "deploy", str(tmp_path / "c.pem"),
                 str(tmp_path / "k.pem"), check=0)
    assert "installed" in r.out


def test_clear_errors(acme_env):
    inst, peb = acme_env
    r = inst.ctl("cert", "issue", "--directory", "http://127.0.0.1:1/dir", check=1)
    assert "bad ACME directory URL" in r.err, r.err
    r = inst.ctl("cert", "issue", "--directory",
                 f"https://127.0.0.1:{peb.port}/nothing-here",
                 "--directory-ca", peb.ca, check=1)
    assert "bad ACME directory URL" in r.err, r.err
    port = int(inst.ctl("config", "get", "acme_tls_port").out.split()[-1])
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", port))
        s.listen()
        r = issue(inst, peb, check=1)
    assert f"port {port} is taken" in r.err, r.err
    assert len(r.err.strip().splitlines()) == 1
    # A name whose DNS does not lead here: the problem, and what to check.
    inst.ctl("config", "set", "acme_extra_names", "nx.example.test", check=0)
    r = issue(inst, peb, check=1)
    assert "validation of nx.example.test failed: " in r.err, r.err
    assert "resolve" in r.err
    assert "check that DNS for nx.example.test points at this server" in r.err
    assert len(r.err.strip().splitlines()) == 1
    assert "self-signed" in inst.ctl("cert", "status", check=0).out


def test_http01_through_mailboxd(acme_env):
    inst, peb = acme_env
    inst.ctl("config", "set", "acme_tls_port", "0", check=0)
    srv = Server(inst).start()
    try:
        issue(inst, peb)
        wait_served(srv, leaf_fingerprint(inst.path("tls", "fullchain.pem")))
        assert "Pebble" in inst.ctl("cert", "status", check=0).out
        # Anything but a challenge path is refused.
        port = int(inst.ctl("config", "get", "acme_http_port").out.split()[-1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET /etc/passwd HTTP/1.1\r\n\r\n")
            assert s.recv(100).startswith(b"HTTP/1.1 400")
        assert os.listdir(inst.path("acme", "challenges")) == []
    finally:
        srv.stop()


def test_mailboxd_runs_with_challenge_port_taken(tmp_path):
    inst = Instance(tmp_path / "inst")
    port = free_port()
    inst.ctl("config", "set", "acme_tls_port", str(port), check=0)
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", port))
        s.listen()
        srv = Server(inst).start()
        try:
            log = srv.read_log()
            assert "ACME challenges will not be answered there: cannot " \
                f"listen on 0.0.0.0:{port}" in log, log
            with srv.smtp() as c:
                assert c.noop()[0] == 250
        finally:
            srv.stop()

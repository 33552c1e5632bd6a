"""MTA-STS (RFC 8461) in the relay, against the private Postfix of
test_relay.py: dnslib serves the `_mta-sts` TXT records, a small Python
HTTPS server (a test CA made with openssl here) serves the policies, and
Postfix presents a certificate from that CA valid for one MX name only.
With enforce, mail goes only to an MX the policy names whose certificate
is valid for it; otherwise it stays deferred. With testing it goes, and
the mismatches are logged."""
import http.server
import os
import ssl
import subprocess
import threading

import pytest
from dnslib import MX, TXT, A

from conftest import free_port
from test_relay import Postfix, Zone, make_server, submit, wait_log
from test_bounce import wait_listed

POLICIES = {
    # domain: (mode, mx patterns)
    "good.sts.test": ("enforce", ["mx.good.sts.test", "*.other.test"]),
    "badmx.sts.test": ("enforce", ["mx.elsewhere.test"]),
    "badcert.sts.test": ("enforce", ["*.badcert.sts.test"]),
    "try.sts.test": ("testing", ["mx.elsewhere.test"]),
}
# Policy servers that misbehave (RFC 8461 3.3), and one that sends a
# good policy chunked. The fetch of a bad one fails: no policy.
ODD = {
    "redir.sts.test": "redirect",       # 3xx is not followed
    "html.sts.test": "html",            # not text/plain
    "big.sts.test": "big",              # longer than 64 KiB
    "cut.sts.test": "cut",              # no length, no TLS close
    "nocert.sts.test": "nocert",        # the certificate is not for it
    "chunked.sts.test": "chunked",      # fine
}


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_ca(d):
    """A CA, and a leaf signed by it for each (name, SANs)."""
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=Test STS CA",
            "-days", "2", "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.pem")

    def leaf(name, sans):
        ext = f"{d}/{name}.ext"
        with open(ext, "w") as f:
            f.write("subjectAltName=" + ",".join(f"DNS:{s}" for s in sans))
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-subj", f"/CN={sans[0]}", "-keyout",
                f"{d}/{name}.key", "-out", f"{d}/{name}.csr")
        openssl("x509", "-req", "-in", f"{d}/{name}.csr", "-CA", f"{d}/ca.pem",
                "-CAkey", f"{d}/ca.key", "-CAcreateserial", "-days", "2",
                "-extfile", ext, "-out", f"{d}/{name}.pem")
        return f"{d}/{name}.pem", f"{d}/{name}.key"
    return leaf


class PolicyServer:
    """HTTPS on a free loopback port; the policy by the Host header."""

    def __init__(self, cert, key):
        class Handler(http.server.BaseHTTPRequestHandler):
            def odd(self, how):
                body = (b"version: STSv1\r\nmode: testing\r\n"
                        b"mx: mx.chunked.sts.test\r\nmax_age: 86400\r\n")
                if how == "redirect":
                    self.send_response(302)
                    self.send_header("Location", "https://127.0.0.1/")
                    self.send_header("Content-Length", "0")
                elif how == "chunked":
                    self.protocol_version = "HTTP/1.1"
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Transfer-Encoding", "chunked")
                    body = b"".join(b"%x\r\n%s\r\n" % (len(c), c)
                                    for c in (body[:10], body[10:], b""))
                else:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html"
                                     if how == "html" else "text/plain")
                    if how == "big":
                        body += b"x" * 100000
                    if how != "cut":
                        self.send_header("Content-Length", str(len(body)))
                    else:
                        self.close_connection = True
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                host = self.headers.get("Host", "").split(":")[0]
                domain = host.removeprefix("mta-sts.")
                if domain in ODD:
                    self.odd(ODD[domain])
                    return
                if (self.path != "/.well-known/mta-sts.txt"
                        or domain not in POLICIES):
                    self.send_error(404)
                    return
                mode, mxs = POLICIES[domain]
                body = (f"version: STSv1\r\nmode: {mode}\r\n" +
                        "".join(f"mx: {m}\r\n" for m in mxs) +
                        "max_age: 86400\r\n").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.port = free_port()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port),
                                                     Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket,
                                            server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def sts_world(tmp_path_factory):
    if not os.access("/usr/sbin/postfix", os.X_OK):
        pytest.skip("postfix is not installed")
    d = str(tmp_path_factory.mktemp("sts"))
    leaf = make_ca(d)
    web = PolicyServer(*leaf("web", [f"mta-sts.{dom}" for dom in
                                     [*POLICIES, *ODD] if dom != "nocert.sts.test"]))
    records = {}
    for dom in [*POLICIES, *ODD]:
        records[f"_mta-sts.{dom}."] = [("TXT", TXT("v=STSv1; id=1;"))]
        records[f"mta-sts.{dom}."] = [("A", A("127.0.0.1"))]
        records[f"{dom}."] = [("MX", MX(f"mx.{dom}.", 10))]
        records[f"mx.{dom}."] = [("A", A("127.0.0.1"))]
    from dnslib.server import DNSLogger, DNSServer
    dns_port = free_port()
    dns = DNSServer(Zone(records), port=dns_port, address="127.0.0.1",
                    logger=DNSLogger(logf=lambda s: None))
    dns.start_thread()
    peer = Postfix()
    # The peer's certificate is valid for mx.good.sts.test only.
    cert, key = leaf("mx", ["mx.good.sts.test"])
    with open(cert, "rb") as src, open(f"{peer.dir}/cert.pem", "wb") as dst:
        dst.write(src.read())
    with open(key, "rb") as src, open(f"{peer.dir}/key.pem", "wb") as dst:
        dst.write(src.read())
    users = {"a": "good", "b": "badmx", "c": "badcert", "d": "try"}
    users.update({dom.split(".")[0]: dom.split(".")[0] for dom in ODD})
    conf = os.path.join(peer.dir, "etc")
    subprocess.run(["postconf", "-c", conf, "-e",
                    "virtual_mailbox_domains=" +
                    ", ".join(f"{v}.sts.test" for v in users.values()),
                    "virtual_mailbox_maps=inline:{ " +
                    " ".join(f"{u}@{v}.sts.test={u}/"
                             for u, v in users.items()) + " }"],
                   check=True, capture_output=True)
    subprocess.run(peer.cmd + ["reload"], check=True, capture_output=True)
    yield d, dns_port, web, peer
    peer.stop()
    dns.stop()
    web.close()


def test_enforce_and_testing(tmp_path, sts_world):
    d, dns_port, web, peer = sts_world
    inst, server = make_server(tmp_path, dns_port, peer,
                               mta_sts_ca_file=f"{d}/ca.pem",
                               mta_sts_port=str(web.port))
    try:
        submit(server, ["a@good.sts.test", "b@badmx.sts.test",
                        "c@badcert.sts.test", "d@try.sts.test"], "sts")
        [msg] = peer.messages("a")
        assert b"Subject: sts" in msg and b"using TLS" in msg
        [msg] = peer.messages("d")          # testing: sent anyway
        for rcpt in ("b@badmx.sts.test", "c@badcert.sts.test"):
            wait_log(server, f"to=<{rcpt}>")
        log = server.read_log()
        assert "MTA-STS policy of good.sts.test (id 1): mode enforce" in log
        line = [ln for ln in log.splitlines() if "to=<b@badmx" in ln][0]
        assert "status=deferred" in line and "matches its MTA-STS" in line
        line = [ln for ln in log.splitlines() if "to=<c@badcert" in ln][0]
        assert "status=deferred" in line and "(MTA-STS)" in line, line
        assert "hostname mismatch" in line, line
        assert "MX mx.try.sts.test of try.sts.test is not in its MTA-STS " \
            "policy (testing)" in log
        assert "sent anyway (mode testing)" in log
        plog = peer.log()
        assert "b@badmx.sts.test" not in plog
        assert "c@badcert.sts.test" not in plog
        assert wait_listed(inst, "deferred  <c@badcert.sts.test>")
        # One fetch per domain: the policies are cached.
        assert log.count("MTA-STS policy of good.sts.test") == 1
    finally:
        server.stop()


def test_policy_fetch_failures(tmp_path, sts_world):
    """Each bad answer is refused, with the reason logged, and the mail
    goes as if there were no policy; a chunked one is read."""
    d, dns_port, web, peer = sts_world
    inst, server = make_server(tmp_path, dns_port, peer,
                               mta_sts_ca_file=f"{d}/ca.pem",
                               mta_sts_port=str(web.port))
    try:
        rcpts = [f"{dom.split('.')[0]}@{dom}" for dom in ODD]
        submit(server, rcpts, "odd")
        for rcpt in rcpts:
            wait_log(server, f"to=<{rcpt}> relay=")
        log = server.read_log()
        why = {
            "redir": "HTTP status 302",
            "html": 'content type "text/html"',
            "big": "response from mta-sts.big.sts.test too long",
            "cut": "response of mta-sts.cut.sts.test cut short (no TLS close)",
            "nocert": "TLS with mta-sts.nocert.sts.test: hostname mismatch",
        }
        for name, text in why.items():
            assert (f"MTA-STS policy of {name}.sts.test not fetched: {text}"
                    in log), log
        assert "MTA-STS policy of chunked.sts.test (id 1): mode testing" in log
        for rcpt in rcpts:
            line = [ln for ln in log.splitlines()
                    if f"to=<{rcpt}> relay=" in ln][0]
            assert "status=sent" in line, line
    finally:
        server.stop()

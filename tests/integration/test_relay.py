"""Outbound relay through the real mailboxd: mail submitted on 587 goes,
DKIM-signed by the signer process, to a private Postfix (Debian's) found
through MX records that a local DNS server (dnslib) serves; 5xx replies
fail the recipient, a peer that is down leaves it deferred, and
relay_host sends everything to one host without MX lookups."""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

import dkim
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest
from dnslib import QTYPE, RCODE, RR, A, MX, TXT
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from conftest import Instance, Server, free_port
from test_dkim import TxtServer, dkimpy_ok, opendkim_testmsg, zone_records
from test_inbound import PASSWORD, add_user
from test_submission import tls_context

USER = "demo@example.test"
POSTFIX = "/usr/sbin/postfix"


class Zone(BaseResolver):
    """Answers from {name: [(QTYPE name, rdata)]}; NXDOMAIN for others."""

    def __init__(self, records):
        self.records = records

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).lower()
        if name not in self.records:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        for qtype, rdata in self.records[name]:
            if QTYPE[request.q.qtype] == qtype:
                reply.add_answer(RR(request.q.qname, getattr(QTYPE, qtype),
                                    rdata=rdata, ttl=60))
        return reply


@pytest.fixture(scope="module")
def dns_server():
    zone = Zone({
        "peer.test.": [("MX", MX("mx.peer.test.", 10)),
                       ("MX", MX("mx2.peer.test.", 20))],
        "mx.peer.test.": [("A", A("127.0.0.1"))],
        "mx2.peer.test.": [("A", A("127.0.0.1"))],
        # Nothing listens at 127.0.0.2 on the peer's port.
        "down.test.": [("MX", MX("mx.down.test.", 10))],
        "mx.down.test.": [("A", A("127.0.0.2"))],
        "nomail.test.": [("MX", MX(".", 0))],
    })
    port = free_port()
    srv = DNSServer(zone, port=port, address="127.0.0.1",
                    logger=DNSLogger(logf=lambda s: None))
    srv.start_thread()
    yield zone, port
    srv.stop()


MAIN_CF = """\
compatibility_level = 3.6
meta_directory = /etc/postfix
queue_directory = {dir}/spool
data_directory = {dir}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.peer.test
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_recipient_restrictions = check_recipient_access
  inline:{{ {{bounce@peer.test=550 5.1.1 no such user here}} }},
  permit_mynetworks, reject
virtual_mailbox_domains = peer.test, viahost.test, good.dane.test,
  bad.dane.test
virtual_mailbox_maps = inline:{{ bob@peer.test=bob/ dave@peer.test=dave/
  carol@viahost.test=carol/ eve@good.dane.test=eve/
  mallory@bad.dane.test=mallory/ }}
virtual_mailbox_base = {dir}/vmail
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{gid}
smtpd_tls_cert_file = {dir}/cert.pem
smtpd_tls_key_file = {dir}/key.pem
smtpd_tls_security_level = may
smtpd_tls_received_header = yes
biff = no
maillog_file = {dir}/maillog
maillog_file_prefixes = {dir}
"""

MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


class Postfix:
    """A private Postfix on a loopback port, delivering to Maildirs (or
    as main_cf says: a template given dir, uid, gid and fmt)."""

    def __init__(self, main_cf=None, **fmt):
        # Postfix's users must walk into it: not under pytest's 0700 tmp.
        self.dir = tempfile.mkdtemp(prefix="amb-relay-postfix-")
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        etc = os.path.join(self.dir, "etc")
        os.makedirs(etc)
        nobody = pwd.getpwnam("nobody")
        vmail = os.path.join(self.dir, "vmail")
        os.makedirs(vmail)
        os.chown(vmail, nobody.pw_uid, nobody.pw_gid)
        data = os.path.join(self.dir, "data")
        os.makedirs(data, 0o700)
        pf = pwd.getpwnam("postfix")
        os.chown(data, pf.pw_uid, pf.pw_gid)
        os.makedirs(os.path.join(self.dir, "spool"))
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-subj", "/CN=mx.peer.test", "-days", "2",
                        "-keyout", os.path.join(self.dir, "key.pem"),
                        "-out", os.path.join(self.dir, "cert.pem")],
                       check=True, capture_output=True)
        with open(os.path.join(etc, "main.cf"), "w") as f:
            f.write((main_cf or MAIN_CF).format(dir=self.dir, uid=nobody.pw_uid,
                                                gid=nobody.pw_gid, **fmt))
        with open(os.path.join(etc, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(port=self.port))
        self.cmd = [POSTFIX, "-c", etc]
        subprocess.run(self.cmd + ["check"], check=True, capture_output=True)
        subprocess.run(self.cmd + ["start"], check=True, capture_output=True)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), 1) as s:
                    if s.recv(512).startswith(b"220"):
                        return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("postfix did not start: " + self.log())

    def log(self):
        try:
            with open(os.path.join(self.dir, "maillog"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def messages(self, user, n=1, timeout=20):
        pattern = os.path.join(self.dir, "vmail", user, "new", "*")
        deadline = time.time() + timeout
        while time.time() < deadline:
            files = sorted(glob.glob(pattern))
            if len(files) >= n:
                return [open(f, "rb").read() for f in files]
            time.sleep(0.05)
        raise AssertionError(f"{user}: nothing arrived\n" + self.log())

    def stop(self):
        subprocess.run(self.cmd + ["stop"], capture_output=True, timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def postfix():
    if not os.access(POSTFIX, os.X_OK):
        pytest.skip("postfix is not installed")
    pf = Postfix()
    yield pf
    pf.stop()


def make_server(tmp_path, dns_port, postfix, keys=True, **settings):
    inst = Instance(tmp_path / "inst")
    add_user(inst, USER)
    if keys:
        inst.ctl("dkim", "keygen", "example.test", check=0)
    settings = {"resolver": f"127.0.0.1:{dns_port}",
                "outbound_port": str(postfix.port),
                "imap_listen": f"127.0.0.1:{free_port()}",
                "imaps_listen": f"127.0.0.1:{free_port()}", **settings}
    for key, value in settings.items():
        inst.ctl("config", "set", key, value, check=0)
    return inst, Server(inst).start()


def submit(server, rcpts, *subjects):
    import smtplib
    with smtplib.SMTP("127.0.0.1", server.submission_port, timeout=30) as s:
        s.starttls(context=tls_context())
        s.login(USER, PASSWORD)
        for subject in subjects:
            s.sendmail(USER, rcpts,
                       f"From: Demo <{USER}>\r\nTo: {', '.join(rcpts)}\r\n"
                       f"Subject: {subject}\r\n"
                       "\r\nHello from the relay test.\r\n.dot line\r\n")


def wait_log(server, text, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in server.read_log():
            return
        time.sleep(0.05)
    raise AssertionError(f"no {text!r} in the log:\n" + server.read_log())


def opendkim_verifies_each(msg, recs, tmp_path):
    """opendkim-testmsg (OpenDKIM's library) passes each of the message's
    DKIM signatures alone, with the records served on 127.0.0.1:53."""
    import re
    if os.geteuid() != 0 or not os.path.exists("/usr/sbin/opendkim-testmsg"):
        pytest.skip("needs root and opendkim-tools")
    zone = {n: [[r[i:i + 255] for i in range(0, len(r), 255)]]
            for n, r in recs.items()}
    try:
        srv = TxtServer(zone, port=53)
    except OSError:
        who = subprocess.run(["ss", "-lunpH", "sport = :53"],
                             capture_output=True, text=True).stdout
        pytest.skip(f"port 53 is taken: {who.strip()}")
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\n")
    fields = re.findall(rb"^DKIM-Signature:.*?\r?\n(?=\S)", msg, re.S | re.M)
    try:
        assert len(fields) == 2
        for keep in fields:
            one = msg
            for f in fields:
                if f is not keep:
                    one = one.replace(f, b"")
            assert opendkim_testmsg(one, resolv) == (0, ""), keep[:60]
    finally:
        srv.close()


def test_relay_signs_and_maps_results(tmp_path, dns_server, postfix):
    _, dns_port = dns_server
    inst, server = make_server(tmp_path, dns_port, postfix)
    try:
        submit(server, ["bob@peer.test", "bounce@peer.test", "x@down.test",
                        "y@nomail.test"], "relayed")
        [msg] = postfix.messages("bob")
        wait_log(server, "to=<bounce@peer.test> relay=mx")
        log = server.read_log()
        assert "to=<bob@peer.test> relay=mx" in log
        assert "status=sent" in log
        assert "to=<bounce@peer.test>" in log and "status=bounced" in log
        assert "no such user here" in log
        wait_log(server, "to=<x@down.test>")
        wait_log(server, "to=<y@nomail.test>")
        log = server.read_log()
        line = [ln for ln in log.splitlines() if "to=<x@down.test>" in ln][0]
        assert "status=deferred" in line and "127.0.0.2" in line, line
        line = [ln for ln in log.splitlines() if "to=<y@nomail.test>" in ln][0]
        assert "status=bounced" in line and "null MX" in line, line
        # Both recipients at peer.test went over one connection.
        assert postfix.log().count("connect from localhost[127.0.0.1]") >= 1
        assert b"Subject: relayed" in msg and b"\n..dot line" not in msg
        assert b"using TLS" in msg    # Postfix notes STARTTLS in Received
        recs = zone_records(inst.ctl("dkim", "dns", "example.test",
                                     check=0).out)
        sigs = [v for k, v in dkim.rfc822_parse(msg)[0]
                if k.lower() == b"dkim-signature"]
        assert len(sigs) == 2
        # Postfix's own Received and Return-Path lie above the signatures.
        for idx in range(2):
            assert dkimpy_ok(msg, idx, recs), idx
        opendkim_verifies_each(msg, recs, tmp_path)
        # The message stays in the spool for the deferred recipient.
        spool = [f for _, _, fs in os.walk(inst.path("queue")) for f in fs]
        assert spool, "queue is empty"
    finally:
        server.stop()


def test_relay_host_takes_everything(tmp_path, dns_server, postfix):
    _, dns_port = dns_server
    inst, server = make_server(tmp_path, dns_port, postfix, keys=False,
                               relay_host=f"127.0.0.1:{postfix.port}")
    try:
        submit(server, ["carol@viahost.test"], "via relay_host")
        [msg] = postfix.messages("carol")
        assert b"Subject: via relay_host" in msg
        # A domain without DKIM keys: sent, unsigned.
        assert b"DKIM-Signature" not in msg
        wait_log(server, "to=<carol@viahost.test> relay=127.0.0.1[127.0.0.1]")
    finally:
        server.stop()


def test_one_session_carries_several_messages(tmp_path, dns_server, postfix):
    _, dns_port = dns_server
    inst, server = make_server(tmp_path, dns_port, postfix)
    try:
        submit(server, ["dave@peer.test"], "first", "second", "third")
        msgs = postfix.messages("dave", 3)
        assert len(msgs) == 3
        deadline = time.time() + 15
        while "data=3" not in postfix.log() and time.time() < deadline:
            time.sleep(0.1)
        # The session idles a few seconds for more, then quits.
        assert "data=3 quit=1" in postfix.log(), postfix.log()
    finally:
        server.stop()


class SignedZone(TxtServer):
    """A DNSSEC-signed zone dane.test. (dnspython signs it), served on a
    UDP port: every answer carries its RRSIG. Names missing get NXDOMAIN
    and missing types an empty answer, both unsigned, so validators find
    them bogus; the relay tolerates that for AAAA when A is there."""

    def __init__(self, records):
        import dns.dnssec
        import dns.rrset
        from cryptography.hazmat.primitives.asymmetric import ec
        self.origin = dns.name.from_text("dane.test.")
        key = ec.generate_private_key(ec.SECP256R1())
        self.dnskey = dns.dnssec.make_dnskey(
            key.public_key(), dns.dnssec.Algorithm.ECDSAP256SHA256,
            flags=257)
        records = records + [("dane.test.", "DNSKEY", self.dnskey.to_text())]
        self.rrsets = {}
        for name, rtype, text in records:
            key_ = (dns.name.from_text(name), dns.rdatatype.from_text(rtype))
            rrset = self.rrsets.get(key_) or dns.rrset.RRset(
                key_[0], dns.rdataclass.IN, key_[1])
            rrset.update_ttl(60)
            rrset.add(dns.rdata.from_text(dns.rdataclass.IN, key_[1], text))
            self.rrsets[key_] = rrset
        self.sigs = {}
        for key_, rrset in self.rrsets.items():
            sig = dns.dnssec.sign(rrset, key, self.origin, self.dnskey,
                                  lifetime=3600)
            self.sigs[key_] = dns.rrset.from_rdata(key_[0], 60, sig)
        super().__init__({})

    def anchor(self):
        return f"dane.test. IN DNSKEY {self.dnskey.to_text()}\n"

    def answer(self, q, r):
        import dns.rcode
        key_ = (q.question[0].name, q.question[0].rdtype)
        if key_ in self.rrsets:
            r.answer += [self.rrsets[key_], self.sigs[key_]]
        elif not any(n == key_[0] for n, _ in self.rrsets):
            r.set_rcode(dns.rcode.NXDOMAIN)


def spki_sha256(cert_path):
    import hashlib
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    with open(cert_path, "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def test_dane_is_enforced(tmp_path, postfix):
    port = postfix.port
    good = spki_sha256(os.path.join(postfix.dir, "cert.pem"))
    zone = SignedZone([
        ("good.dane.test.", "MX", "10 mx.good.dane.test."),
        ("mx.good.dane.test.", "A", "127.0.0.1"),
        (f"_{port}._tcp.mx.good.dane.test.", "TLSA", f"3 1 1 {good}"),
        ("bad.dane.test.", "MX", "10 mx.bad.dane.test."),
        ("mx.bad.dane.test.", "A", "127.0.0.1"),
        (f"_{port}._tcp.mx.bad.dane.test.", "TLSA", "3 1 1 " + "00" * 32),
    ])
    anchor = tmp_path / "anchor.key"
    anchor.write_text(zone.anchor())
    inst, server = make_server(tmp_path, zone.port, postfix,
                               dnssec_trust_anchor=str(anchor))
    try:
        submit(server, ["eve@good.dane.test", "mallory@bad.dane.test"],
               "dane")
        [msg] = postfix.messages("eve")
        assert b"Subject: dane" in msg and b"using TLS" in msg
        wait_log(server, "to=<mallory@bad.dane.test>")
        log = server.read_log()
        assert "certificate matches its TLSA records" in log
        line = [ln for ln in log.splitlines()
                if "to=<mallory@bad.dane.test>" in ln][0]
        assert "status=deferred" in line and "(DANE)" in line, line
        assert "mallory@bad.dane.test" not in postfix.log()
    finally:
        server.stop()
        zone.close()


def test_stop_while_resolving(tmp_path, postfix):
    """A DNS server that never answers: the message waits in the relay,
    and stopping mailboxd then is clean (no leak or sanitizer report)."""
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    inst, server = make_server(tmp_path, silent.getsockname()[1], postfix)
    try:
        submit(server, ["bob@slow.test"], "waiting for DNS")
        wait_log(server, "status=queued")
        time.sleep(0.5)
        assert "to=<bob@slow.test> relay=" not in server.read_log()
    finally:
        assert server.stop() == 0
        silent.close()

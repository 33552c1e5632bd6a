"""Operations: `mailboxctl dns` output served by a local DNS server
(dnslib) makes `mailboxctl check` pass against a running mailboxd, and a
wrong or missing record makes it FAIL with the reason; `status` shows the
processes, queue, certificate and usage; bans kept in state_dir/bans
reach the running lookup and `ban del` lifts them; `make install
DESTDIR=...` installs the files listed."""
import os
import re
import smtplib
import subprocess
import time

import pytest
from dnslib import QTYPE, RCODE, RR
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from conftest import ROOT, Instance, Server, free_port
from test_inbound import PASSWORD, add_user
from test_submission import tls_context

DOMAIN = "example.test"
HOST = "mail.example.test"
USER = "ops@example.test"
# Not one of the reverse zones libunbound answers itself (RFC 1918,
# TEST-NET, loopback), so the PTR comes from our server.
PUBLIC_IP = "198.18.0.10"
PTR_NAME = "10.0.18.198.in-addr.arpa."


class ZoneText(BaseResolver):
    """Answers from zone-file text: records of the asked name and type;
    NXDOMAIN for names the zone does not have."""

    def __init__(self, text):
        self.set(text)

    def set(self, text):
        self.records = {}
        for rr in RR.fromZone(text):
            self.records.setdefault(str(rr.rname).lower(), []).append(rr)

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).lower()
        if name not in self.records:
            reply.header.rcode = RCODE.NXDOMAIN
        for rr in self.records.get(name, []):
            if rr.rtype == request.q.qtype:
                reply.add_answer(rr)
        return reply


@pytest.fixture
def ops(tmp_path):
    """A running instance whose records, as `mailboxctl dns` prints them,
    a local DNS server serves (with the PTR of the public address)."""
    inst = Instance(tmp_path / "inst")
    add_user(inst, USER)
    inst.ctl("dkim", "keygen", DOMAIN, check=0)
    dns_port = free_port()
    for key, value in (("public_ipv4", PUBLIC_IP),
                       ("resolver", f"127.0.0.1:{dns_port}")):
        inst.ctl("config", "set", key, value, check=0)
    server = Server(inst)
    zone = inst.ctl("dns", check=0).out
    resolver = ZoneText(zone + f"{PTR_NAME} IN PTR {HOST}.\n")
    dns = DNSServer(resolver, port=dns_port, address="127.0.0.1",
                    logger=DNSLogger(logf=lambda s: None))
    dns.start_thread()
    server.start()
    yield inst, server, resolver, zone
    server.stop()
    dns.stop()


def check_lines(inst, status):
    proc = inst.ctl("check", check=status)
    lines = proc.out.splitlines()
    assert all(re.match(r"(OK  |WARN|FAIL) \S", l) for l in lines[:-1]), lines
    return lines


def test_dns_prints_every_record(instance):
    instance.ctl("dkim", "keygen", DOMAIN, check=0)
    instance.ctl("config", "set", "public_ipv4", PUBLIC_IP, check=0)
    out = instance.ctl("dns", DOMAIN, check=0).out
    names = {(str(rr.rname), QTYPE[rr.rtype]) for rr in RR.fromZone(out)}
    for name, rtype in [(f"{HOST}.", "A"), (f"{DOMAIN}.", "MX"),
                        (f"{DOMAIN}.", "TXT"), (f"_dmarc.{DOMAIN}.", "TXT"),
                        (f"_mta-sts.{DOMAIN}.", "TXT"),
                        (f"mta-sts.{DOMAIN}.", "CNAME"),
                        (f"_smtp._tls.{DOMAIN}.", "TXT"),
                        (f"_submissions._tcp.{DOMAIN}.", "SRV"),
                        (f"_submission._tcp.{DOMAIN}.", "SRV"),
                        (f"_imaps._tcp.{DOMAIN}.", "SRV"),
                        (f"_imap._tcp.{DOMAIN}.", "SRV"),
                        (f"autoconfig.{DOMAIN}.", "CNAME"),
                        (f"autodiscover.{DOMAIN}.", "CNAME")]:
        assert (name, rtype) in names, (name, rtype, out)
    dkim = [n for n, t in names if n.endswith(f"._domainkey.{DOMAIN}.")]
    assert len(dkim) == 2
    assert "v=spf1 mx -all" in out
    assert "p=quarantine; rua=mailto:postmaster@example.test" in out
    assert f"mta-sts.{DOMAIN}/.well-known/mta-sts.txt" in out
    assert f";   mx: {HOST}" in out and ";   mode: enforce" in out
    assert f";   {PTR_NAME} IN PTR {HOST}." in out
    instance.ctl("dns", "unknown.test", check=1)
    instance.ctl("dns", "a", "b", check=2)


def test_check_passes_with_published_records(ops):
    inst, server, resolver, zone = ops
    lines = check_lines(inst, 0)
    text = "\n".join(lines)
    assert not any(l.startswith("FAIL") for l in lines), text
    assert f"OK   dns MX {DOMAIN}: 10 {HOST}." in lines
    assert f"OK   reverse dns {PUBLIC_IP}: {HOST}" in lines
    assert any(re.match(r"OK   open relay: no \(5\d\d", l) for l in lines), text
    assert sum(l.startswith("OK   port 127.0.0.1:") for l in lines) == 5, text
    assert any(l.startswith("WARN certificate: self-signed") for l in lines)
    assert any(l.startswith("OK   certificate: valid until") for l in lines)


def test_check_fails_on_wrong_or_missing_records(ops):
    inst, server, resolver, zone = ops
    wrong = zone.replace("p=quarantine", "p=none").replace(
        f"IN MX 10 {HOST}.", "IN MX 10 mx.elsewhere.test.")
    wrong = "\n".join(l for l in wrong.splitlines()
                      if "_submissions._tcp" not in l and "ed25519" not in l)
    resolver.set(wrong)          # and no PTR
    lines = check_lines(inst, 1)
    text = "\n".join(lines)
    assert (f"FAIL dns MX {DOMAIN}: published \"10 mx.elsewhere.test.\", "
            f"expected \"10 {HOST}.\"") in lines, text
    assert any(l.startswith(f"FAIL dns TXT _dmarc.{DOMAIN}: published "
                            "\"v=DMARC1; p=none") for l in lines), text
    assert any(re.match(r"FAIL dns TXT \w+e\._domainkey\.example\.test: "
                        "not published", l) for l in lines), text
    assert any(l.startswith(f"WARN dns SRV _submissions._tcp.{DOMAIN}: "
                            "not published") for l in lines), text
    assert f"FAIL reverse dns {PUBLIC_IP}: no PTR record (expected {HOST}.)" \
        in lines, text
    assert lines[-1].startswith("-- ") and "4 FAIL" in lines[-1], text


def test_check_fails_when_ports_do_not_answer(ops):
    inst, server, resolver, zone = ops
    server.stop()
    lines = check_lines(inst, 1)
    assert any(re.match(r"FAIL port 127\.0\.0\.1:\d+ \(smtp_listen\): "
                        "Connection refused", l) for l in lines), lines
    assert any(l.startswith("WARN open relay: not tested") for l in lines)


def test_status(ops):
    inst, server, resolver, zone = ops
    out = inst.ctl("status", check=0).out
    assert "mailboxd: running" in out, out
    for role in ("master", "lookup", "queue", "deliver", "smtp", "signer",
                 "relay", "imap-login"):
        assert re.search(rf"^\s+\d+\s+{role}\s", out, re.M), (role, out)
    assert "queue: 0 messages" in out
    assert re.search(r"certificate: expires \d{4}-\d\d-\d\d .*self-signed", out)
    assert re.search(rf"^  {re.escape(USER)}\s+0 B? ?of 15", out, re.M) or \
        re.search(rf"^  {re.escape(USER)}\s+\S+ of \S+\s+0%", out, re.M), out
    server.stop()
    assert "mailboxd: not running" in inst.ctl("status", check=0).out


def submission_login(server):
    with smtplib.SMTP("127.0.0.1", server.submission_port, timeout=30) as s:
        s.starttls(context=tls_context())
        try:
            s.login(USER, PASSWORD)
            return 235
        except smtplib.SMTPAuthenticationError as e:
            return e.smtp_code
        except smtplib.SMTPResponseException as e:
            return e.smtp_code


def test_ban_list_and_del(tmp_path):
    inst = Instance(tmp_path / "inst")
    add_user(inst, USER)
    inst.ctl("ban", "list", check=0)
    until = int(time.time()) + 600
    with open(inst.path("bans"), "w") as f:
        f.write(f"127.0.0.1 {until}\n::1 {until}\nbogus line\n"
                f"192.0.2.1 {int(time.time()) - 5}\n")
    out = inst.ctl("ban", "list", check=0).out
    assert re.search(r"^127\.0\.0\.1 +until .* \(\d+ s\)$", out, re.M), out
    assert "::1" in out and "192.0.2.1" not in out and "bogus" not in out
    server = Server(inst).start()
    try:
        assert submission_login(server) == 454      # banned on restart
        inst.ctl("ban", "del", "192.0.2.7", check=1)
        inst.ctl("ban", "del", "not-an-address", check=2)
        assert "127.0.0.1 unbanned" in inst.ctl("ban", "del", "127.0.0.1",
                                                check=0).out
        deadline = time.time() + 10
        while "ban of 127.0.0.1 lifted" not in server.read_log():
            assert time.time() < deadline, server.read_log()
            time.sleep(0.05)
        assert submission_login(server) == 235
        out = inst.ctl("ban", "list", check=0).out
        assert "127.0.0.1" not in out and "::1" in out
    finally:
        server.stop()


INSTALLED = """\
etc/archmailbox/mailbox.conf.example
lib/systemd/system/archmailbox.service
usr/local/bin/mailboxctl
usr/local/bin/treesutil
usr/local/sbin/mailboxd
usr/local/share/doc/archmailbox/README.md
usr/local/share/man/man5/mailbox.conf.5
usr/local/share/man/man8/mailboxctl.8
usr/local/share/man/man8/mailboxd.8
usr/local/share/man/man1/treesutil.1
usr/share/nftables/archmailbox.nft
"""


def test_make_install_destdir(tmp_path):
    """Installs from the tree's release build (built if missing) into
    DESTDIR; the list is the packaging contract."""
    dest = tmp_path / "dest"
    build = os.environ.get("AMB_BUILD", os.path.join(ROOT, "build"))
    proc = subprocess.run(["make", "-C", ROOT, "--no-print-directory",
                           f"BUILD={build}", f"DESTDIR={dest}",
                           "install-files"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout.decode(errors="replace")
    got = sorted(os.path.relpath(os.path.join(d, f), dest)
                 for d, _, files in os.walk(dest) for f in files)
    want = sorted(l for l in INSTALLED.splitlines()
                  if os.path.exists(os.path.join(
                      ROOT, "man", os.path.basename(l))) or "/man/" not in l)
    assert got == want, got
    assert os.access(dest / "usr/local/sbin/mailboxd", os.X_OK)
    unit = (dest / "lib/systemd/system/archmailbox.service").read_text()
    assert "ExecStart=/usr/local/sbin/mailboxd" in unit

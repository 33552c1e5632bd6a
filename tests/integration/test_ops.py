"""Operations: `mailboxctl dns` output served by a local DNS server
(dnslib) makes `mailboxctl check` pass against a running mailboxd, and a
wrong or missing record makes it FAIL with the reason; `status` shows the
processes, queue, certificate and usage; bans kept in state_dir/bans
reach the running lookup and `ban del` lifts them; `make install
DESTDIR=...` installs the files listed."""
import os
import re
import shutil
import smtplib
import subprocess
import time

import pytest
from dnslib import QTYPE, RCODE, RR
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from conftest import ROOT, Instance, Server, free_port, run
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
    instance.ctl("domain", "add", "example.net", "--postmaster", "pm@example.net",
                 check=0)
    out = instance.ctl("dns", check=0).out
    assert "; no DKIM keys: run mailboxctl dkim keygen example.net" in out
    assert "example.net. IN MX 10 mail.example.test." in out


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
    # Another SPF record that passes our address is as good as ours.
    resolver.set(zone.replace('"v=spf1 mx -all"', '"v=spf1 ip4:198.18.0.0/16 ~all"')
                 + f"{PTR_NAME} IN PTR {HOST}.\n")
    lines = check_lines(inst, 0)
    assert f"OK   dns TXT {DOMAIN}: v=spf1 ip4:198.18.0.0/16 ~all (passes for " \
        "our addresses)" in lines, lines
    resolver.set(zone + f'{DOMAIN}. IN TXT "v=spf1 -all"\n')
    lines = check_lines(inst, 1)
    assert f"FAIL dns TXT {DOMAIN}: 2 SPF records published; receivers treat " \
        "that as an error (RFC 7208 4.5)" in lines, lines


def test_check_fails_on_wrong_or_missing_records(ops):
    inst, server, resolver, zone = ops
    wrong = zone.replace("p=quarantine", "p=none").replace(
        '"v=spf1 mx -all"', '"v=spf1 a:mx.elsewhere.test -all"').replace(
        f"IN MX 10 {HOST}.", "IN MX 10 mx.elsewhere.test.").replace(
        "_imap._tcp.example.test. IN SRV 10 1", "_imap._tcp.example.test. IN SRV 5 0")
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
    # Another priority and weight are the zone owner's choice.
    assert any(l.startswith(f"OK   dns SRV _imap._tcp.{DOMAIN}: ")
               for l in lines), text
    assert f"FAIL reverse dns {PUBLIC_IP}: no PTR record (expected {HOST}.)" \
        in lines, text
    assert (f"FAIL dns TXT {DOMAIN}: published \"v=spf1 a:mx.elsewhere.test "
            f"-all\", which gives fail for {PUBLIC_IP} (expected \"v=spf1 mx "
            "-all\")") in lines, text
    assert lines[-1].startswith("-- ") and "5 FAIL" in lines[-1], text
    inst.ctl("domain", "add", "example.net", "--postmaster", USER, check=0)
    lines = check_lines(inst, 1)
    assert "FAIL dkim example.net: no keys (mailboxctl dkim keygen " \
        "example.net)" in lines, lines


def test_check_without_any_address(instance):
    """No public address set and none published: the host has no address
    to check, and the records that are there still are."""
    instance.ctl("dkim", "keygen", DOMAIN, check=0)
    instance.ctl("config", "set", "resolver", f"127.0.0.1:{free_port()}",
                 check=0)
    lines = check_lines(instance, 1)
    assert f"FAIL address {HOST}: no A or AAAA record, and public_ipv4 and " \
        "public_ipv6 are unset" in lines, lines
    assert re.search(r"^FAIL dns: resolver 127\.0\.0\.1:\d+ does not answer; "
                     "records not checked$", "\n".join(lines), re.M), lines


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
usr/local/bin/mailboxctl
usr/local/bin/treesutil
usr/local/sbin/mailboxd
usr/local/sbin/mailboxd-acme
usr/local/sbin/mailboxd-deliver
usr/local/sbin/mailboxd-imap
usr/local/sbin/mailboxd-imap-login
usr/local/sbin/mailboxd-lookup
usr/local/sbin/mailboxd-queue
usr/local/sbin/mailboxd-relay
usr/local/sbin/mailboxd-renew
usr/local/sbin/mailboxd-signer
usr/local/sbin/mailboxd-smtp
usr/local/lib/systemd/system/archmailbox.service
usr/local/share/archmailbox/archmailbox.nft
usr/local/share/doc/archmailbox/README.md
"""


def bin_dir():
    return os.path.abspath(os.environ.get(
        "AMB_BIN", os.path.join(ROOT, "build", "asan", "bin")))


def build_dir():
    """The build tree of the binaries under test ($AMB_BIN is
    BUILD/asan/bin), so install uses its release build."""
    return os.path.dirname(os.path.dirname(bin_dir()))


def man_pages(prefix):
    return [f"{prefix}/share/man/man{p.rsplit('.', 1)[1]}/{p}"
            for p in os.listdir(os.path.join(ROOT, "man"))
            if re.fullmatch(r".+\.[1-8]", p)]


def install_into(dest):
    proc = subprocess.run(["make", "-C", ROOT, "--no-print-directory",
                           f"BUILD={build_dir()}", f"DESTDIR={dest}",
                           "install-files"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout.decode(errors="replace")


def test_make_install_destdir(tmp_path):
    """`make install-files` (what `make install` does after installing
    the build packages) puts the files listed, and only those, in DESTDIR."""
    dest = tmp_path / "dest"
    install_into(dest)
    got = sorted(os.path.relpath(os.path.join(d, f), dest)
                 for d, _, files in os.walk(dest) for f in files)
    assert got == sorted(INSTALLED.splitlines() + man_pages("usr/local")), got
    assert os.access(dest / "usr/local/sbin/mailboxd", os.X_OK)
    unit = (dest / "usr/local/lib/systemd/system/archmailbox.service").read_text()
    assert "ExecStart=/usr/local/sbin/mailboxd -f" in unit and "@SBINDIR@" not in unit


def verify_unit(unit_text, sbindir, tmp_path):
    """systemd-analyze verify of the unit with ExecStart at sbindir."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    path = tmp_path / "archmailbox.service"
    path.write_text(re.sub(r"ExecStart=\S*/mailboxd",
                           f"ExecStart={sbindir}/mailboxd", unit_text))
    proc = subprocess.run(["systemd-analyze", "verify", "--man=no", str(path)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=60)
    out = proc.stdout.decode(errors="replace")
    assert proc.returncode == 0 and out.strip() == "", out


def test_systemd_unit_verifies(tmp_path):
    with open(os.path.join(ROOT, "packaging", "systemd",
                           "archmailbox.service.in")) as f:
        unit = f.read()
    for setting in ("ProtectSystem=strict", "ReadWritePaths=/var/lib/archmailbox",
                    "ProtectHome=yes", "PrivateTmp=yes", "NoNewPrivileges=yes",
                    "CapabilityBoundingSet=", "RestrictAddressFamilies=",
                    "SystemCallFilter=@system-service"):
        assert setting in unit, setting
    verify_unit(unit, bin_dir(), tmp_path)


def test_debian_package_builds(tmp_path):
    """dpkg-buildpackage on a copy of the tree (~1 min): the package holds
    the programs, man pages, unit and ruleset; its unit verifies."""
    if not shutil.which("dpkg-buildpackage") or not shutil.which("dh"):
        pytest.skip("dpkg-dev or debhelper is not installed")
    files = subprocess.run(["git", "-C", ROOT, "ls-files", "-co",
                            "--exclude-standard", "-z"],
                           stdout=subprocess.PIPE, timeout=60)
    if files.returncode != 0:
        pytest.skip("not a git tree")
    src = tmp_path / "archmailbox"
    for name in files.stdout.decode().split("\0"):
        if name and os.path.isfile(os.path.join(ROOT, name)):
            os.makedirs(src / os.path.dirname(name), exist_ok=True)
            shutil.copy2(os.path.join(ROOT, name), src / name)
    proc = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout.decode(errors="replace")[-3000:]
    deb = [f for f in os.listdir(tmp_path) if re.fullmatch(
        r"archmailbox_[^_]+_\w+\.deb", f)]
    assert len(deb) == 1, os.listdir(tmp_path)
    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", str(tmp_path / deb[0]), str(root)],
                   check=True, timeout=60)
    got = {os.path.relpath(os.path.join(d, f), root)
           for d, _, fs in os.walk(root) for f in fs}
    for want in ["usr/bin/mailboxctl", "usr/bin/treesutil", "usr/sbin/mailboxd",
                 "usr/sbin/mailboxd-smtp", "usr/sbin/mailboxd-imap",
                 "lib/systemd/system/archmailbox.service",
                 "usr/share/archmailbox/archmailbox.nft"]:
        assert want in got, sorted(got)
    assert {p + ".gz" for p in man_pages("usr")} <= got, sorted(got)
    info = subprocess.run(["dpkg-deb", "-I", str(tmp_path / deb[0])],
                          stdout=subprocess.PIPE, timeout=60).stdout.decode()
    assert "postinst" in info and "libsodium" in info, info
    unit = (root / "lib/systemd/system/archmailbox.service").read_text()
    assert "ExecStart=/usr/sbin/mailboxd -f" in unit
    verify_unit(unit, str(root / "usr/sbin"), tmp_path)


NFT_SCRIPT = """\
set -e
ip link set lo up
nft -f "$RULESET"
"$BIN/mailboxd" -f -c "$CONF" > "$LOG" 2>&1 &
pid=$!
for i in $(seq 200); do
    grep -q "listening for imaps" "$LOG" && break
    sleep 0.05
done
nft list set inet archmailbox archmailbox_banned > "$OUT.start"
nft list set inet archmailbox archmailbox_banned6 >> "$OUT.start"
"$BIN/mailboxctl" -c "$CONF" ban del 192.0.2.5
nft list set inet archmailbox archmailbox_banned > "$OUT.del"
kill -TERM $pid
wait $pid
"""


def test_bans_reach_the_nftables_sets(tmp_path):
    """In a private network namespace with the ruleset loaded: bans in
    state_dir/bans go into the sets when mailboxd starts, with their
    remaining time, and `ban del` takes them out."""
    if not shutil.which("nft") or not shutil.which("unshare") or \
            os.geteuid() != 0:
        pytest.skip("needs nft, unshare and root")
    if subprocess.run(["unshare", "-n", "nft", "list", "ruleset"],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                      timeout=30).returncode != 0:
        pytest.skip("no private network namespace with nftables here")
    inst = Instance(tmp_path / "inst")
    until = int(time.time()) + 600
    with open(inst.path("bans"), "w") as f:
        f.write(f"192.0.2.5 {until}\n192.0.2.6 {until}\n2001:db8::7 {until}\n")
    out = str(tmp_path / "sets")
    env = dict(os.environ, RULESET=os.path.join(
        ROOT, "packaging", "nftables", "archmailbox.nft"),
        BIN=bin_dir(),
        CONF=inst.conf, LOG=inst.path("mailboxd.log"), OUT=out)
    proc = subprocess.run(["unshare", "-n", "sh", "-c", NFT_SCRIPT], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=120)
    log = open(inst.path("mailboxd.log")).read()
    assert proc.returncode == 0, proc.stdout.decode() + log
    assert "Sanitizer" not in log, log
    start = open(out + ".start").read()
    for addr in ("192.0.2.5", "192.0.2.6", "2001:db8::7"):
        assert re.search(rf"{re.escape(addr)} timeout (9m|10m)", start), start
    after = open(out + ".del").read()
    assert "192.0.2.6" in after and "192.0.2.5" not in after, after
    assert "192.0.2.5" not in inst.ctl("ban", "list", check=0).out


def test_init_writes_config_where_c_says(tmp_path):
    """The installed layout: config in its own directory (as
    /etc/archmailbox), state elsewhere."""
    conf = tmp_path / "etc" / "archmailbox" / "mailbox.conf"
    state = tmp_path / "var" / "archmailbox"
    (tmp_path / "etc").mkdir()
    (tmp_path / "var").mkdir()
    out = run(["mailboxctl", "-c", str(conf), "init", str(state), "--domain",
               DOMAIN, "--local"], check=0).out
    assert f"config {conf}" in out
    assert conf.exists() and not (state / "mailbox.conf").exists()
    assert f"state_dir = {state}" in conf.read_text()
    run(["mailboxctl", "-c", str(conf), "user", "add", USER,
         "--password-stdin"], input=PASSWORD + "\n", check=0)
    assert USER in run(["mailboxctl", "-c", str(conf), "user", "list"],
                       check=0).out
    run(["mailboxctl", "-c", str(conf), "init", str(tmp_path / "other"),
         "--domain", DOMAIN, "--local"], check=1)
    run(["mailboxctl", "-c", "relative.conf", "init", str(tmp_path / "x"),
         "--domain", DOMAIN, "--local"], check=2)


def unit_capabilities():
    with open(os.path.join(ROOT, "packaging", "systemd",
                           "archmailbox.service.in")) as f:
        caps = re.search(r"^CapabilityBoundingSet=(.*)$", f.read(), re.M)
    return ",".join("+" + c.lower()[4:] for c in caps.group(1).split())


def test_installed_production_instance_within_unit_limits(tmp_path):
    """The installed release binaries, a production instance made the
    installed way (config in its own directory, system users), and
    mailboxd started as the unit starts it: no new privileges and the
    unit's capability bounding set. Every role drops to its user and
    mail is delivered."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv")
    dest = tmp_path / "dest"
    install_into(dest)
    bindir, sbindir = dest / "usr/local/bin", dest / "usr/local/sbin"
    import tempfile
    # Not under pytest's 0700 tmp tree: the dropped users must reach it.
    top = tempfile.mkdtemp(prefix="amb-ops-", dir="/var/tmp")
    os.chmod(top, 0o755)
    try:
        os.mkdir(os.path.join(top, "etc"))
        inst = Instance.__new__(Instance)
        inst.dir, inst.domain = os.path.join(top, "lib"), DOMAIN
        inst.conf = os.path.join(top, "etc", "mailbox.conf")

        def ctl(*args, **kw):
            proc = subprocess.run([str(bindir / "mailboxctl"), "-c", inst.conf,
                                   *args], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=120, **kw)
            assert proc.returncode == 0, proc.stderr.decode()
            return proc.stdout.decode()
        ctl("init", inst.dir, "--domain", DOMAIN)
        smtp_port = free_port()
        for key in ("smtp_listen", "submission_listen", "submissions_listen",
                    "imap_listen", "imaps_listen"):
            port = smtp_port if key == "smtp_listen" else free_port()
            ctl("config", "set", key, f"127.0.0.1:{port}")
        ctl("user", "add", USER, "--password-stdin",
            input=(PASSWORD + "\n").encode())
        log = open(os.path.join(top, "mailboxd.log"), "wb")
        proc = subprocess.Popen(["setpriv", "--nnp", "--bounding-set",
                                 "-all," + unit_capabilities(),
                                 str(sbindir / "mailboxd"), "-f", "-c",
                                 inst.conf], stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 20
            while "listening for imaps" not in open(log.name).read():
                assert proc.poll() is None and time.time() < deadline, \
                    open(log.name).read()
                time.sleep(0.05)
            with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as s:
                s.sendmail("a@sender.test", [USER],
                           "Subject: installed\r\n\r\nhello\r\n")
            from test_inbound import wait_stored
            wait_stored(inst, USER)
            status = ctl("status")
            for role, user in (("lookup", "archmailbox-lookup"),
                               ("queue", "archmailbox-queue"),
                               ("deliver", "archmailbox-mail"),
                               ("smtp", "archmailbox-net"),
                               ("signer", "archmailbox-dkim")):
                assert re.search(rf"^\s+\d+\s+{role}\s+{user}$", status,
                                 re.M), status
        finally:
            proc.terminate()
            assert proc.wait(timeout=30) == 0, open(log.name).read()
            log.close()
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_check_certificate_chain(instance, tmp_path):
    """A certificate from a CA: its chain is verified as a client would,
    against the system's CAs ($SSL_CERT_FILE here)."""
    d = str(tmp_path)

    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, timeout=60,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-nodes", "-keyout", d + "/ca.key",
            "-out", d + "/ca.pem", "-days", "30", "-subj", "/CN=Test CA")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", instance.path("tls", "private.key"),
            "-out", d + "/leaf.csr", "-subj", f"/CN={HOST}")
    with open(d + "/ext", "w") as f:
        f.write(f"subjectAltName=DNS:{HOST}\n")
    openssl("x509", "-req", "-in", d + "/leaf.csr", "-CA", d + "/ca.pem",
            "-CAkey", d + "/ca.key", "-CAcreateserial", "-days", "10",
            "-extfile", d + "/ext", "-out", instance.path("tls", "fullchain.pem"))
    dns_port = free_port()
    instance.ctl("config", "set", "resolver", f"127.0.0.1:{dns_port}", check=0)
    dns = DNSServer(ZoneText(""), port=dns_port, address="127.0.0.1",
                    logger=DNSLogger(logf=lambda s: None))
    dns.start_thread()
    try:
        check_chain(instance, d)
    finally:
        dns.stop()


def check_chain(instance, d):
    out = instance.ctl("check", check=1).out
    assert re.search(r"^WARN certificate: valid until \S+ \((9|10) days\)$", out,
                     re.M), out
    assert f"OK   certificate: valid for {HOST}" in out
    assert "OK   certificate: tls_key matches" in out
    assert "WARN certificate: chain does not verify: unable to get local " \
        "issuer certificate" in out, out
    env = dict(os.environ, SSL_CERT_FILE=d + "/ca.pem")
    proc = subprocess.run([os.path.join(bin_dir(), "mailboxctl"), "-c",
                           instance.conf, "check"], env=env, timeout=120,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert "OK   certificate: chain verifies" in proc.stdout.decode(), \
        proc.stdout.decode()

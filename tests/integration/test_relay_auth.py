"""relay_host with AUTH through the real mailboxd: a small SMTP server
written here (Debian's Postfix needs Cyrus or Dovecot for SASL) offers
STARTTLS and, only under TLS, AUTH PLAIN LOGIN. The relay authenticates
after STARTTLS with the password file's first line; a wrong password or
a server without STARTTLS leaves the mail deferred, and the password is
never sent in the clear nor logged."""
import base64
import socket
import socketserver
import ssl
import subprocess
import threading

from conftest import Instance, Server, free_port
from test_inbound import add_user
from test_relay import USER, submit, wait_log
from test_bounce import wait_listed

SECRET = "s3cret pass"


class SmtpHandler(socketserver.StreamRequestHandler):
    def reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def line(self):
        data = self.rfile.readline(4096)
        if not data:
            raise EOFError
        return data.decode(errors="replace").rstrip("\r\n")

    def starttls(self):
        tls = self.server.ctx.wrap_socket(self.connection, server_side=True)
        self.connection = tls
        self.rfile = tls.makefile("rb")
        self.wfile = tls.makefile("wb")
        self.tls = True

    def auth(self, args):
        mech, *rest = args.split()
        if mech.upper() == "PLAIN":
            if not rest:
                self.reply("334 ")
                rest = [self.line()]
            _, user, pw = base64.b64decode(rest[0]).decode().split("\0")
        else:
            self.reply("334 VXNlcm5hbWU6")
            user = base64.b64decode(self.line()).decode()
            self.reply("334 UGFzc3dvcmQ6")
            pw = base64.b64decode(self.line()).decode()
        self.server.log.append(("AUTH", mech.upper(), user, self.tls))
        ok = (user, pw) == ("relayuser", SECRET)
        self.reply("235 2.7.0 ok" if ok else "535 5.7.8 bad credentials")
        return ok

    def handle(self):
        self.tls, authed = False, False
        srv = self.server
        self.reply("220 smarthost.test ESMTP")
        try:
            while True:
                cmd = self.line()
                verb = cmd.split(" ", 1)[0].upper()
                args = cmd[len(verb):].strip()
                if verb == "EHLO":
                    caps = ["smarthost.test"]
                    if srv.offer_tls and not self.tls:
                        caps.append("STARTTLS")
                    if self.tls:
                        caps.append("AUTH PLAIN LOGIN")
                    caps.append("8BITMIME")
                    for c in caps[:-1]:
                        self.reply("250-" + c)
                    self.reply("250 " + caps[-1])
                elif verb == "STARTTLS":
                    self.reply("220 go ahead")
                    self.starttls()
                elif verb == "AUTH":
                    srv.log.append(("AUTH-ATTEMPT", self.tls))
                    if not self.tls:
                        self.reply("538 5.7.11 encryption required")
                    else:
                        authed = self.auth(args)
                elif verb == "MAIL":
                    self.reply("250 ok" if authed else
                               "530 5.7.0 authentication required")
                elif verb == "RCPT":
                    self.reply("250 ok")
                elif verb == "DATA":
                    self.reply("354 go")
                    lines = []
                    while (ln := self.line()) != ".":
                        lines.append(ln)
                    srv.messages.append("\n".join(lines))
                    self.reply("250 2.0.0 queued")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("250 ok")
        except (EOFError, ConnectionError, ssl.SSLError):
            return


class Smarthost(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, cert_dir, offer_tls=True):
        self.port = free_port()
        self.offer_tls = offer_tls
        self.log, self.messages = [], []
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(f"{cert_dir}/cert.pem", f"{cert_dir}/key.pem")
        super().__init__(("127.0.0.1", self.port), SmtpHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def close(self):
        self.shutdown()
        self.server_close()


def server_with(tmp_path, host, password):
    inst = Instance(tmp_path / "inst")
    add_user(inst, USER)
    pwfile = tmp_path / "relay.pw"
    pwfile.write_text(password + "\n")
    pwfile.chmod(0o600)
    for key, value in {"relay_host": f"127.0.0.1:{host.port}",
                       "relay_auth_user": "relayuser",
                       "relay_auth_password_file": str(pwfile),
                       "imap_listen": f"127.0.0.1:{free_port()}",
                       "imaps_listen": f"127.0.0.1:{free_port()}"}.items():
        inst.ctl("config", "set", key, value, check=0)
    return inst, Server(inst).start()


def cert(tmp_path):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-subj",
                    "/CN=smarthost.test", "-days", "2", "-keyout",
                    f"{tmp_path}/key.pem", "-out", f"{tmp_path}/cert.pem"],
                   check=True, capture_output=True)
    return str(tmp_path)


def test_auth_after_starttls(tmp_path):
    host = Smarthost(cert(tmp_path))
    inst, server = server_with(tmp_path, host, SECRET)
    try:
        submit(server, ["far@away.test"], "via auth")
        wait_log(server, "to=<far@away.test> relay=")
        assert "status=sent" in server.read_log(), server.read_log()
        assert ("AUTH", "PLAIN", "relayuser", True) in host.log
        assert ("AUTH-ATTEMPT", False) not in host.log
        [msg] = host.messages
        assert "Subject: via auth" in msg
        assert SECRET not in server.read_log()
    finally:
        server.stop()
        host.close()


def test_wrong_password_or_no_tls_defers(tmp_path):
    host = Smarthost(cert(tmp_path))
    inst, server = server_with(tmp_path, host, "wrong")
    try:
        submit(server, ["far@away.test"], "refused")
        wait_log(server, "to=<far@away.test> relay=")
        log = server.read_log()
        assert "status=deferred" in log and "authentication failed" in log, log
        assert host.messages == []
        assert wait_listed(inst, "deferred  <far@away.test>")
    finally:
        server.stop()
        host.close()
    plain = Smarthost(tmp_path, offer_tls=False)
    (tmp_path / "again").mkdir()
    inst, server = server_with(tmp_path / "again", plain, SECRET)
    try:
        submit(server, ["far@away.test"], "no tls")
        wait_log(server, "to=<far@away.test> relay=")
        assert "status=deferred" in server.read_log()
        # The credentials never went over plain text.
        assert not [e for e in plain.log if e[0].startswith("AUTH")]
        assert plain.messages == []
    finally:
        server.stop()
        plain.close()

"""mailboxctl init and config get/set, run as a new user would."""
import os
import re
import stat
import subprocess

from conftest import ROOT, Instance, run


def test_init_local_creates_instance(tmp_path):
    inst = Instance(tmp_path / "i")
    for d, mode in [("queue", 0o700), ("mail", 0o700), ("dkim", 0o700),
                    ("acme", 0o700), ("tls", 0o750)]:
        st = os.stat(inst.path(d))
        assert stat.S_IMODE(st.st_mode) == mode, d
    assert stat.S_IMODE(os.stat(inst.path("tls", "private.key")).st_mode) == 0o600
    assert os.path.exists(inst.path("mailbox.sqlite"))
    out = inst.ctl("config", "get", "smtp_listen", check=0).out
    assert out.strip() == "127.0.0.1:2525"
    got = {k: inst.ctl("config", "get", k, check=0).out.strip() for k in
           ["submission_listen", "submissions_listen", "imap_listen",
            "imaps_listen", "hostname", "state_dir"]}
    assert got == {"submission_listen": "127.0.0.1:2587",
                   "submissions_listen": "127.0.0.1:2465",
                   "imap_listen": "127.0.0.1:2143",
                   "imaps_listen": "127.0.0.1:2993",
                   "hostname": "mail.example.test", "state_dir": inst.dir}


def test_self_signed_certificate_names_host(tmp_path):
    inst = Instance(tmp_path / "i")
    text = subprocess.run(["openssl", "x509", "-noout", "-text", "-in",
                           inst.path("tls", "fullchain.pem")],
                          stdout=subprocess.PIPE, text=True, check=True).stdout
    assert "DNS:mail.example.test" in text
    mod = subprocess.run(["openssl", "pkey", "-pubout", "-in",
                          inst.path("tls", "private.key")],
                         stdout=subprocess.PIPE, check=True).stdout
    cert_pub = subprocess.run(["openssl", "x509", "-noout", "-pubkey", "-in",
                               inst.path("tls", "fullchain.pem")],
                              stdout=subprocess.PIPE, check=True).stdout
    assert mod == cert_pub


def test_init_refuses_existing_instance(tmp_path):
    inst = Instance(tmp_path / "i")
    before = open(inst.conf).read()
    p = run(["mailboxctl", "init", inst.dir, "--domain", "other.test",
             "--local"], check=1)
    assert "already holds an instance" in p.err
    assert open(inst.conf).read() == before


def test_init_usage_and_bad_hostname(tmp_path):
    p = run(["mailboxctl", "init", str(tmp_path / "x")], check=2)
    assert "usage" in p.err
    p = run(["mailboxctl", "init", str(tmp_path / "x"), "--domain",
             "example.test", "--hostname", "bad..host", "--local"], check=1)
    assert "hostname" in p.err
    assert not os.path.exists(tmp_path / "x")


def test_config_set_keeps_comments_and_validates(tmp_path):
    inst = Instance(tmp_path / "i")
    with open(inst.conf, "a") as f:
        f.write("# my own note\n")
    inst.ctl("config", "set", "max_message_size", "50M", check=0)
    assert inst.ctl("config", "get", "max_message_size", check=0).out == "50M\n"
    p = inst.ctl("config", "set", "max_message_size", "huge", check=1)
    assert "max_message_size" in p.err and "huge" in p.err
    p = inst.ctl("config", "set", "no_such_key", "1", check=1)
    assert "unknown setting" in p.err
    text = open(inst.conf).read()
    assert "# my own note\n" in text and "# archmailbox configuration" in text
    assert "max_message_size = 50M" in text
    assert inst.ctl("config", "get", "-n", check=0).out.count("=") >= 8


def test_config_errors_are_one_clear_line(tmp_path):
    p = run(["mailboxctl", "-c", str(tmp_path / "missing.conf"), "config",
             "get"], check=1)
    assert p.err.count("\n") == 1 and "No such file" in p.err
    bad = tmp_path / "bad.conf"
    bad.write_text("hostname = a.test\nmax_recipients = many\n")
    p = run(["mailboxctl", "-c", str(bad), "config", "get", "hostname"], check=1)
    assert p.err.count("\n") == 1 and "bad.conf:2:" in p.err
    env = dict(os.environ, MAILBOX_CONF=str(bad))
    p = run(["mailboxctl", "config", "get"], env=env, check=1)
    assert "bad.conf:2:" in p.err


def test_every_setting_is_documented(tmp_path):
    inst = Instance(tmp_path / "i")
    keys = re.findall(r"^(\w+) = ", inst.ctl("config", "get", check=0).out,
                      re.M)
    assert len(keys) > 15
    page = open(os.path.join(ROOT, "man", "mailbox.conf.5")).read()
    for k in keys:
        assert ".It Cm %s " % k in page, k

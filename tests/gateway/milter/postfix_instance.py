"""A throw-away Postfix on loopback with its own configuration directory, using the milter.

Everything lives in one temporary directory: main.cf, master.cf, the queue, the data
directory and the mail log. ``main_cf`` is the configuration the mail docs show.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {root}/queue
data_directory = {root}/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = mx.dlp.test
mydomain = dlp.test
mydestination = dlp.test, localhost
mynetworks = 127.0.0.0/8
local_recipient_maps =
alias_maps =
alias_database =
# Accepted mail is queued, then thrown away: the test is about what smtpd answers.
local_transport = discard:
default_transport = discard:
maillog_file = {root}/maillog
maillog_file_prefixes = {root}
smtputf8_enable = no

# The DLP milter: every message received by SMTP is inspected before it is queued, and
# while the milter cannot answer, mail is deferred (4xx) rather than let through unread.
smtpd_milters = inet:127.0.0.1:{milter_port}
non_smtpd_milters =
milter_default_action = tempfail
milter_protocol = 6
"""

# Without chroot, so the services find the temporary queue directory as it is.
MASTER_CF = """\
127.0.0.1:{smtp_port} inet n - n - - smtpd
pickup    unix  n - n 60   1 pickup
cleanup   unix  n - n -    0 cleanup
qmgr      unix  n - n 300  1 qmgr
rewrite   unix  - - n -    - trivial-rewrite
bounce    unix  - - n -    0 bounce
defer     unix  - - n -    0 bounce
trace     unix  - - n -    0 bounce
verify    unix  - - n -    1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -    - proxymap
showq     unix  n - n -    - showq
error     unix  - - n -    - error
retry     unix  - - n -    - error
discard   unix  - - n -    - discard
anvil     unix  - - n -    1 anvil
scache    unix  - - n -    1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PostfixInstance:
    def __init__(self, milter_port: int) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="dlp-postfix-"))
        self.root.chmod(0o755)  # Postfix's unprivileged services must reach their queue
        self.smtp_port = free_port()
        (self.root / "main.cf").write_text(MAIN_CF.format(root=self.root, milter_port=milter_port))
        (self.root / "master.cf").write_text(MASTER_CF.format(smtp_port=self.smtp_port))
        for name in ("queue", "data"):
            (self.root / name).mkdir()
        postfix = pwd.getpwnam("postfix")
        os.chown(self.root / "data", postfix.pw_uid, postfix.pw_gid)

    def postfix(self, *command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["postfix", "-c", str(self.root), *command], capture_output=True, text=True, timeout=60, check=False
        )

    def start(self) -> None:
        result = self.postfix("start")
        if result.returncode != 0:
            raise RuntimeError(f"postfix did not start: {result.stderr}\n{self.log()}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.smtp_port), timeout=2) as smtp:
                    if smtp.recv(64).startswith(b"220"):
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"postfix did not listen on {self.smtp_port}\n{self.log()}")

    def stop(self) -> None:
        self.postfix("stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "maillog"
        return path.read_text(errors="replace") if path.exists() else ""

    def swaks(self, eml: bytes, recipient: str = "bob@dlp.test") -> subprocess.CompletedProcess[str]:
        message = self.root / "message.eml"
        message.write_bytes(eml)
        command = ["swaks", "--server", f"127.0.0.1:{self.smtp_port}", "--from", "alice@example.com"]
        command += ["--to", recipient, "--data", str(message), "--timeout", "60"]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

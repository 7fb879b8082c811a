"""The milter driven by miltertest, libmilter's own MTA simulator (from the OpenDKIM tools)."""

from __future__ import annotations

import email
import email.policy
import subprocess
from pathlib import Path

from service.gateway.milter import RunningMilter
from tests.fixtures.make_mail import audit_mail, clean_mail, pypi_token, token_mail

SCRIPT = Path(__file__).parent / "scripts" / "transaction.lua"
REJECT_TEXT = 'Message refused by data-loss-prevention policy "default" (rule: block-credentials)'


def split_mail(eml: bytes, directory: Path) -> tuple[Path, Path]:
    """The mail's headers, unfolded one a line, and its body with CRLF line ends, as files."""
    message = email.message_from_bytes(eml, policy=email.policy.compat32)
    headers = directory / "headers.txt"
    headers.write_text("".join(f"{name}: {' '.join(str(value).split())}\n" for name, value in message.items()))
    body = directory / "body.txt"
    body.write_bytes(eml.replace(b"\r\n", b"\n").partition(b"\n\n")[2].replace(b"\n", b"\r\n"))
    return headers, body


def run_miltertest(
    milter: RunningMilter, eml: bytes, directory: Path, **expect: str
) -> subprocess.CompletedProcess[str]:
    headers, body = split_mail(eml, directory)
    variables = {"port": str(milter.endpoint.port), "headers": str(headers), "body": str(body), **expect}
    command = ["miltertest", "-s", str(SCRIPT)]
    for name, value in variables.items():
        command += ["-D", f"{name}={value}"]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def miltertest(milter: RunningMilter, eml: bytes, directory: Path, **expect: str) -> str:
    result = run_miltertest(milter, eml, directory, **expect)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_a_clean_mail_is_accepted(milter: RunningMilter, tmp_path: Path) -> None:
    assert "milter answer as expected: accept" in miltertest(milter, clean_mail(), tmp_path, expect="accept")


def test_a_docx_attachment_holding_a_pypi_token_is_rejected_with_our_text(
    milter: RunningMilter, tmp_path: Path
) -> None:
    output = miltertest(milter, token_mail(), tmp_path, expect="reject", code="550", status="5.7.1", text=REJECT_TEXT)
    assert "milter answer as expected: reject" in output
    assert pypi_token() not in output


def test_an_ssn_is_accepted_with_the_audit_header(milter: RunningMilter, tmp_path: Path) -> None:
    output = miltertest(
        milter, audit_mail(), tmp_path, expect="header", hname="X-DLP-Verdict", hvalue="audit; policy=default"
    )
    assert "milter answer as expected: header" in output


def test_the_script_fails_when_the_answer_differs(milter: RunningMilter, tmp_path: Path) -> None:
    # The same check against the wrong expectation must fail: the script really checks.
    assert run_miltertest(milter, token_mail(), tmp_path, expect="accept").returncode != 0
    wrong_text = {"code": "550", "status": "5.7.1", "text": "Message refused"}
    assert run_miltertest(milter, token_mail(), tmp_path, expect="reject", **wrong_text).returncode != 0

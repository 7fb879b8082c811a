"""Look-alikes of real trees (code, a test log, a changelog, a man page, a leaking configuration).

The clean files hold what code and documentation put where a secret, an address or a mailbox
could be: variables, calls, test statuses, versions, samples. None of it is reported at a
SIT's recommended confidence. The configuration leaks on purpose: each secret is reported
by the SIT a reader expects, once.
"""

from __future__ import annotations

import pytest

from service.engine import ClassifyOptions, Part, Scanner
from tests.conftest import FIXTURES

REALTEXT = FIXTURES / "realtext"
CLEAN = ["client_code.py.txt", "test_run.log", "changelog.txt", "manual.txt"]


def findings(scanner: Scanner, name: str, min_confidence: int | None = None) -> set[tuple[str, str]]:
    text = (REALTEXT / name).read_text(encoding="utf-8")
    report = scanner.classify([Part(name, text)], ClassifyOptions(min_confidence=min_confidence))
    return {(result.sit_name, text[match.start : match.end]) for result in report.results for match in result.matches}


@pytest.mark.parametrize("name", CLEAN)
def test_code_logs_changelogs_and_manuals_report_nothing(builtin_scanner: Scanner, name: str) -> None:
    assert findings(builtin_scanner, name) == set()


EXPECTED_LEAKS = {
    ("General password", "correcthorsebattery"),
    ("General password", "Sommer$2026"),
    ("General password", "Ab3$xyzQ"),
    ("General password", "Wq8#nT4vLz"),
    ("General password", "Hb5!kT9qWz"),
    ("General password", "Zt6%mK2pQw"),
    ("General password", "Rk7vQ2pLm9"),
    ("Database connection string password", "Wm4-Tq8Zr2"),
    ("Database connection string password", "Kb7!nQ2wLx"),
    ("Client secret / API key", "django-insecure-9k$w!x2@h^r7#qv1m&zp0t=lb8(c5e"),
    ("Client secret / API key", "hk_9Tq2Lw7Xz4Pm8Vn3Rb6Kc1Jd"),
    ("Client secret / API key", "aio_Fq7W92xLkP0mZt4RvB8nYc3Hs1"),
    ("Client secret / API key", "Gw4!pQ9#vL2xZ7@mK5rT8&nB"),
    ("Client secret / API key", "Zp8Kq2Wv7Xn4Tm9Lb3Rc6Hd1Jy5Fs0Gu2Kw7Rt4L"),
    (
        "Mapbox secret access token",
        "sk.eyJ1IjoiZGV2b3BzIiwiYSI6ImNrOXF6N3YxZjAwMnYza3BqZ3B0In0.Hq8XwK2pL4mZ9vN7cR1tYg",
    ),
    ("Atlassian API token", "Qm7Rk2Vx9Lp4Tz8Wn3Bc6Hd5"),
    ("Amazon S3 client secret access key", "Zp8Kq2Wv7Xn4Tm9Lb3Rc6Hd1Jy5Fs0Gu2Kw7Rt4L"),
    ("Doppler token", "dp.st.prd.Vb7Rk2Lq9Wx4Tm8Zp3Nc6Hy1Jd5Fs0Gu2Kw7Rt4Lx"),
    (
        "Azure DevOps personal access token",
        "u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8dKLzdocJ2isAjIhKtJ0RlgLKOmxgJTeKdNnFRIBXuAZDOJq8W",
    ),
    (
        "HashiCorp Vault token",
        "hvs.H5T_8-gXdnSUtG4PpuLQrtsxaoI2eGjGHP4lkY6FYQYVdfnSjj3u-ymHGjyJQYVGxcWHfo93uif23EFW3Z8bjprCXh-w",
    ),
}


def test_a_leaking_configuration_reports_each_secret_under_its_sit(builtin_scanner: Scanner) -> None:
    assert findings(builtin_scanner, "deploy_secrets.conf") == EXPECTED_LEAKS


def test_a_vendor_token_in_a_configuration_is_not_an_authorization_header(builtin_scanner: Scanner) -> None:
    sits = {sit for sit, _ in findings(builtin_scanner, "deploy_secrets.conf", min_confidence=1)}
    assert "HTTP authorization header" not in sits
    assert "HashiCorp Vault token" in sits


def test_changelog_trailers_are_found_below_the_recommended_confidence(builtin_scanner: Scanner) -> None:
    text = " -- Jane Roe <jane.roe@debian.org>  Mon, 01 Jan 2024 10:00:00 +0100\n"
    report = builtin_scanner.classify([Part("changelog", text)], ClassifyOptions(min_confidence=1))
    found = {(r.sit_name, text[m.start : m.end], m.confidence) for r in report.results for m in r.matches}
    assert found == {("Email address", "jane.roe@debian.org", 60)}
    assert list(builtin_scanner.classify([Part("changelog", text)], ClassifyOptions()).results) == []


def test_example_domains_are_never_found(builtin_scanner: Scanner) -> None:
    text = "\n".join(
        f" -- Jane Roe <jane@{domain}>  Mon, 01 Jan 2024"
        for domain in ("example.com", "lists.example.org", "example.net", "mail.example", "ci.test", "x.invalid")
    )
    report = builtin_scanner.classify([Part("changelog", text)], ClassifyOptions(min_confidence=1))
    assert [r.sit_name for r in report.results if r.sit_name == "Email address"] == []

"""A real Postfix on loopback consults the milter for every mail swaks sends it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.gateway.milter import MilterConfig, RunningMilter
from tests.fixtures.make_mail import audit_mail, clean_mail, pypi_token, token_mail
from tests.gateway.milter.postfix_instance import PostfixInstance
from tests.gateway.recording import RecordingInspector

REJECT_LINE = '<** 550 5.7.1 Message refused by data-loss-prevention policy "default" (rule: block-credentials)'


@pytest.fixture(scope="module")
def module_milter(inspector: RecordingInspector) -> Iterator[RunningMilter]:
    running = RunningMilter(inspector, MilterConfig(bind="inet:127.0.0.1:0"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def postfix(module_milter: RunningMilter) -> Iterator[PostfixInstance]:
    instance = PostfixInstance(module_milter.endpoint.port)
    try:
        instance.start()
        yield instance
    finally:
        instance.stop()


def test_a_clean_mail_is_queued(postfix: PostfixInstance) -> None:
    result = postfix.swaks(clean_mail())
    assert result.returncode == 0, result.stdout + postfix.log()
    assert "<-  250 2.0.0 Ok: queued as" in result.stdout


def test_an_audited_mail_is_queued(postfix: PostfixInstance) -> None:
    result = postfix.swaks(audit_mail())
    assert "<-  250 2.0.0 Ok: queued as" in result.stdout, result.stdout + postfix.log()


def test_a_mail_with_a_secret_is_rejected_with_our_text(postfix: PostfixInstance) -> None:
    result = postfix.swaks(token_mail())
    assert REJECT_LINE in result.stdout, result.stdout + postfix.log()
    assert "queued as" not in result.stdout
    log = postfix.log()
    assert "milter-reject: END-OF-MESSAGE" in log
    assert pypi_token() not in log


def test_without_the_milter_postfix_defers_mail(inspector: RecordingInspector) -> None:
    stopped = RunningMilter(inspector, MilterConfig(bind="inet:127.0.0.1:0"))
    port = stopped.endpoint.port
    stopped.stop()  # nothing listens on the milter's port any more
    instance = PostfixInstance(port)
    try:
        instance.start()
        result = instance.swaks(clean_mail())
    finally:
        instance.stop()
    assert "<** 451 4.7.1" in result.stdout, result.stdout

"""Text written in front of a value cannot hide it.

A regex scan that resumes after each match would lose a real value whose start a rejected
candidate swallowed (``password: smtp_password: S3cr3t`` — the first candidate is the name
``smtp_password``, refused as code). As a property over every SIT's match examples: put
another name of a secret in front of the example, and the SIT still finds it.
"""

from __future__ import annotations

import pytest

from service.engine import Scanner
from service.engine.document import Part
from service.engine.scanner import ClassifyOptions

PREFIXES = ("password: ", "token=", "secret: ", "api_key = ", "pwd=")


def test_every_match_example_is_still_found_behind_the_name_of_another_secret(builtin_scanner: Scanner) -> None:
    lost: list[str] = []
    for definition in builtin_scanner.definitions:
        options = ClassifyOptions(min_confidence=1, sits=(definition.id,))
        for index, example in enumerate(definition.examples.match):
            for prefix in PREFIXES:
                report = builtin_scanner.classify([Part("example", prefix + example.text)], options)
                if report.result_for(definition.id) is None:
                    lost.append(f"{definition.name} match[{index}] behind {prefix!r}")
    assert lost == [], f"{len(lost)} lost, e.g. {lost[:8]}"


@pytest.mark.parametrize(
    "text",
    ["password: smtp_password: Ab3$xyzQ", "password: password: Winter#2026x", "pwd=db_password=Rp7!xk2Q-Vault9"],
)
def test_a_password_behind_a_swallowed_name_is_found(builtin_scanner: Scanner, text: str) -> None:
    report = builtin_scanner.classify([Part("config", text)])
    result = report.result_for("General password")
    assert result is not None
    assert text.endswith(result.matches[0].value)

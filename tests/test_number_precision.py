"""Numbers and codes in source code, test logs, changelogs, PostScript and man pages are not identifiers.

Short names that label an identifier in a form (exp, csc, sin, run, C.C., acct, Swift) are
also function names, file extensions, verbs and macros; bug numbers, compact dates and
path segments have the shapes of account numbers, RUNs and ICD codes. Each case below
pairs what must not be reported at a SIT's recommended confidence with the genuine
wording that still is.
"""

from __future__ import annotations

import pytest

from service.engine import ClassifyOptions, Part, Scanner
from tests.conftest import FIXTURES

EXPIRY = "Credit card expiry date"
CVV = "Card verification value"
SIN = "Canada social insurance number"
CHILE = "Chile identity card number"
COLOMBIA = "Colombia citizenship card number"
ACCOUNT = "U.S. bank account number"
ICD10 = "International classification of diseases (ICD-10-CM)"
SWIFT = "SWIFT code"
SSN = "U.S. social security number (SSN)"
CARD = "Credit card number"
NUMBER_SITS = (EXPIRY, CVV, SIN, CHILE, COLOMBIA, ACCOUNT, ICD10, SWIFT, SSN, CARD)

LOOKALIKES = sorted((FIXTURES / "numbers").iterdir())


def reported(scanner: Scanner, sit: str, text: str) -> list[str]:
    """Values of ``sit`` reported at its recommended confidence."""
    report = scanner.classify([Part("doc", text)], ClassifyOptions(sits=(sit,)))
    result = report.result_for(sit)
    return [] if result is None else [text[m.start : m.end] for m in result.matches]


def test_the_lookalike_fixtures_cover_each_kind_of_text() -> None:
    assert {path.suffix for path in LOOKALIKES} >= {".py", ".c", ".log", ".ps", ".1"}
    assert "NEWS" in {path.name for path in LOOKALIKES}


@pytest.mark.parametrize("path", LOOKALIKES, ids=[path.name for path in LOOKALIKES])
def test_lookalike_text_has_no_number_findings(builtin_scanner: Scanner, path: object) -> None:
    text = path.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    report = builtin_scanner.classify([Part("doc", text)], ClassifyOptions(sits=NUMBER_SITS))
    assert [(r.sit_name, text[m.start : m.end]) for r in report.results for m in r.matches] == []


NOT_REPORTED = [
    # "exp" as a file extension and as the exponential function; a line offset is no date.
    (EXPIRY, "PASS: dbg.base/lines.exp: list backwards: list 8-17"),
    (EXPIRY, "    return exp(-x**2/32) * 12/28"),
    (EXPIRY, "PASS: dbg.spec/errs.exp: lang=C: 'break 3 -10'"),
    (EXPIRY, "y = math.exp(t) + 09/27"),
    (EXPIRY, "(* IntegerPart[N[Exp[1/10] * 10^40, 40]] *)"),
    (EXPIRY, "assert P(X) == 1 - 36*exp(-6)"),
    # csc is the cosecant, cvn a PostScript operator; an issue number is no card code.
    (CVV, "assert csc(pi/4) == sqrt(2)  # issue 8427"),
    (CVV, "0 1 255 {Names Sw dup 360 add 36 4 string cvrs cvn put} for"),
    (CVV, "CVV handling moved, see issue 4821"),
    # The sine next to a fraction, and the sine as a method.
    (SIN, "    return [sin(pi/13), 0.237443964, 0.572144046]"),
    (SIN, "z = np.sin(x) * 572144046"),
    (SIN, "2*log(sin(pi/13)) + Rational(2422020029, 702257080)"),
    # Compact dates and the verb "run".
    (CHILE, "To stop rollout 20240318, run: tool rollouts stop 20240318"),
    (CHILE, "  * Snapshot of the development branch (20171219), run again."),
    (CHILE, "  * Tests run again since version 30+20220630-1."),
    (CHILE, "RUT check moved\ncommit 46ec6db9656537997b29581cabb6dba901565767"),
    # A year and a time-zone offset; a Makefile suffix rule is not C.C.
    (COLOMBIA, "cedula module added\nDate:   Sat Nov 24 15:58:48 2018 +0100"),
    (COLOMBIA, 'The ".c.c.orig:" suffix rule copies 1024000 bytes at most'),
    (COLOMBIA, "cedula fields\ncommit 09c3b82f5e5a25f07145f405776c466b02743442"),
    # Bug numbers; acct as a system call, a/c as air conditioning.
    (ACCOUNT, "- account number field follows the theme (bug #708392)"),
    (ACCOUNT, "- the a/c indicator icon is easier to see now (bug #701077)"),
    (ACCOUNT, "368962  syscall 163 (acct) was not wrapped on 64-bit hosts"),
    (ACCOUNT, "368962  unhandled syscall: 163 (acct)\n407593  aligned allocation calls added"),
    (ACCOUNT, "- account number masking fixed (#1542265)"),
    # A path segment, a model name far from the wording.
    (ICD10, "The locale decides how diagnostic messages look.\n.TP\n.I /etc/X11/session.d/"),
    (ICD10, "Boards of revision M22 and later need the diagnostic tool."),
    # A man page macro after a dot; an all-letter word near the language name.
    (SWIFT, "Options for the Swift compiler.\n.UNINDENT"),
    (SWIFT, "Flags handed to the Swift compiler when it builds for the SPECTRUM target."),
    # The sample number of form and parser examples.
    (SSN, "ssn : 111-22-3333"),
    # Polynomial coefficients next to the exponential function and the cosecant.
    (CARD, "g = 15735193600000000*t**16 + 4895686677675908*t**12 + exp(t)"),
    (CARD, "assert csc(pi/2) == 1; c = 4895686677675908"),
    (CARD, "g = 4895686677675908*t**12 + 9*x**2\n    f = x**3 - 12*x**2 - 42"),
]

REPORTED = [
    (EXPIRY, "Visa 4990 6958 4830 4011 exp 09/27", "09/27"),
    (EXPIRY, "Exp.: 09/27", "09/27"),
    (EXPIRY, "Expiration date 11/2028", "11/2028"),
    (CVV, "Visa card, CSC 731", "731"),
    (CVV, "CVV: 482", "482"),
    (SIN, "SIN: 572 144 046", "572 144 046"),
    (SIN, "Social insurance number of the new hire, as given on the form: 572144046", "572144046"),
    (CHILE, "RUT: 20240318", "20240318"),
    (CHILE, "run 7.947.737-0", "7.947.737-0"),
    (CHILE, "rut 24.187.638-1", "24.187.638-1"),
    (COLOMBIA, "C.C. 1.020.345.678 de Bogotá", "1.020.345.678"),
    (COLOMBIA, "cédula 79.845.123", "79.845.123"),
    (ACCOUNT, "acct 4470193852", "4470193852"),
    (ACCOUNT, "Account #: 4470193852", "4470193852"),
    (ICD10, "Diagnosis: I10", "I10"),
    (ICD10, "Diagnosis: M22.41 chondromalacia", "M22.41"),
    (SWIFT, "SWIFT: DEUTDEFF", "DEUTDEFF"),
    (SWIFT, "Swift routing for the Hamburg office is COBADEFF370", "COBADEFF370"),
    (SSN, "SSN: 536-22-8726", "536-22-8726"),
    (CARD, "card ending 5908: 4895686677675908 Exp 08/29", "4895686677675908"),
    (CARD, "4895686677675908 exp", "4895686677675908"),
]


def case_id(sit: str, text: str) -> str:
    return f"{sit}: {text.strip()[:36]}"


@pytest.mark.parametrize(("sit", "text"), NOT_REPORTED, ids=[case_id(sit, text) for sit, text in NOT_REPORTED])
def test_lookalike_is_not_reported(builtin_scanner: Scanner, sit: str, text: str) -> None:
    assert reported(builtin_scanner, sit, text) == []


@pytest.mark.parametrize(("sit", "text", "value"), REPORTED, ids=[case_id(sit, text) for sit, text, _ in REPORTED])
def test_genuine_wording_is_still_reported(builtin_scanner: Scanner, sit: str, text: str, value: str) -> None:
    assert value in reported(builtin_scanner, sit, text)

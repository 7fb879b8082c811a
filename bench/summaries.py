"""What contextual summaries cost beside the classification they present.

    python -m bench.summaries [TREE] [--repeat K]

A REST answer and the CLI's JSON carry, for each match, a summary in which every other value
any SIT's element finds nearby is masked (``service.summary.present``). This prints, per set
of documents, the seconds to classify them and the seconds to present the reports (summaries,
masks, fingerprints, formatting), and their ratio, in this process, best of K runs:

- generated documents of 10 KB and 100 KB (``tests.fixtures.corpus``: planted values of many
  SITs in every paragraph, the dense case the latency benchmark posts);
- the files of a real tree (by default this Python's standard library) that have findings,
  as a user's documents are: a few matches in much text.
"""

from __future__ import annotations

import argparse
import sysconfig
from collections.abc import Sequence
from pathlib import Path

from bench.timing import best_of
from service.classify import Classification, Document, classify
from service.definitions import load_builtin_definitions
from service.engine import Scanner, compile_scanner
from service.engine.deadline import Deadline
from service.summary.present import PresentOptions, present_report
from tests.fixtures.corpus import make_corpus

# Files read from the tree at most: enough for a stable figure, few enough for a short run.
MAX_TREE_FILES = 6000
MAX_FILE_BYTES = 2_000_000


def classify_all(scanner: Scanner, texts: Sequence[str]) -> list[Classification]:
    return [classify(scanner, [Document(text, name="document")]) for text in texts]


def present_all(scanner: Scanner, classifications: Sequence[Classification]) -> None:
    for classification in classifications:
        # A generous budget: the figure is the work, not where a deadline would cut it.
        options = PresentOptions(deadline=Deadline(60))
        present_report(classification.report, classification.parts, scanner, options)


def tree_texts(tree: Path, scanner: Scanner) -> list[str]:
    """The UTF-8 text files of ``tree`` (not its installed packages or bytecode) in which the
    built-in SITs find something."""
    paths = [
        path
        for path in sorted(tree.rglob("*"))
        if not {"site-packages", "__pycache__"} & set(path.parts) and path.is_file() and not path.is_symlink()
    ]
    texts = []
    for path in paths[:MAX_TREE_FILES]:
        if path.stat().st_size > MAX_FILE_BYTES:
            continue
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):  # binary files: not what this figure is about
            continue
        if classify(scanner, [Document(text, name=path.name)]).report.results:
            texts.append(text)
    return texts


def measure(scanner: Scanner, label: str, texts: Sequence[str], repeat: int) -> tuple[str, int, int, float, float]:
    classifications = classify_all(scanner, texts)
    present_all(scanner, classifications)  # warm: the masking index is built on first use
    matches = sum(len(result.matches) for c in classifications for result in c.report.results)
    classifying = best_of(repeat, lambda: classify_all(scanner, texts))
    presenting = best_of(repeat, lambda: present_all(scanner, classifications))
    return label, len(texts), matches, classifying, presenting


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.summaries", description=__doc__.split("\n\n")[0])
    parser.add_argument("tree", nargs="?", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    scanner = compile_scanner(load_builtin_definitions())
    rows = [
        measure(scanner, "generated, 10 KB", [make_corpus(10_000, seed=seed) for seed in range(100)], args.repeat),
        measure(scanner, "generated, 100 KB", [make_corpus(100_000, seed=seed) for seed in range(10)], args.repeat),
        measure(scanner, f"{args.tree.name}: files with findings", tree_texts(args.tree, scanner), args.repeat),
    ]
    header = f"{'documents':<40} {'count':>6} {'matches':>8} {'classify s':>11} {'present s':>10}"
    print(f"{header} {'present ÷ classify':>19}")
    for label, count, matches, classifying, presenting in rows:
        ratio = presenting / classifying if classifying else 0.0
        print(f"{label:<40} {count:>6} {matches:>8} {classifying:>11.3f} {presenting:>10.3f} {ratio:>19.2f}")


if __name__ == "__main__":
    main()

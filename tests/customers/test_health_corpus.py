"""The health-data guard (P5) measured on a labelled corpus of realistic studio notes.

tests/customers/data/health_corpus.tsv holds sentences as a studio owner or an instructor
would jot them about a customer, or as a customer would write them, in Finnish and
English, each labelled `health` (health information about someone: pregnancy, illness,
injury, operation, medication, mental health, disability) or `ok` (anything else,
including hard negatives such as "raskausjooga kiinnostaa" or "sairaan hyvä tunti").
All content is fictional.

The guard must catch at least 95 % of the health sentences and raise a false alarm on
fewer than 10 % of the others, overall and in each language.
"""

import csv
import time
from pathlib import Path

import pytest

from customers.health import find_health_terms

CORPUS = Path(__file__).parent / "data" / "health_corpus.tsv"
MIN_RECALL = 0.95
MAX_FALSE_ALARM_RATE = 0.10


def read_corpus() -> list[tuple[str, str, str]]:
    with CORPUS.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        assert header == ["label", "language", "sentence"]
        return [(label, language, sentence) for label, language, sentence in reader]


ROWS = read_corpus()


def test_the_corpus_is_big_enough_and_covers_both_labels_and_languages():
    assert len(ROWS) >= 150
    assert {label for label, _, _ in ROWS} == {"health", "ok"}
    assert {language for _, language, _ in ROWS} == {"fi", "en"}
    assert all(sentence.strip() for _, _, sentence in ROWS)
    assert len({sentence for _, _, sentence in ROWS}) == len(ROWS), "duplicate sentences"
    finnish = sum(1 for _, language, _ in ROWS if language == "fi")
    assert finnish > len(ROWS) / 2, "Finnish should be the majority"
    negatives = sum(1 for label, _, _ in ROWS if label == "ok")
    assert negatives >= len(ROWS) / 3, "at least a third should be hard negatives"


def measure(rows: list[tuple[str, str, str]]) -> tuple[float, float, list[str], list[str]]:
    """Recall on health sentences, false-alarm rate on the rest, and the misclassified."""
    missed = [s for label, _, s in rows if label == "health" and not find_health_terms(s)]
    false_alarms = [
        f"{s}  ->  {find_health_terms(s)}"
        for label, _, s in rows
        if label == "ok" and find_health_terms(s)
    ]
    health = sum(1 for label, _, _ in rows if label == "health")
    ok = len(rows) - health
    return 1 - len(missed) / health, len(false_alarms) / ok, missed, false_alarms


def report(recall: float, false_alarm_rate: float, missed: list, false_alarms: list) -> str:
    lines = [f"recall {recall:.1%}, false-alarm rate {false_alarm_rate:.1%}"]
    lines += [f"  missed: {s}" for s in missed]
    lines += [f"  false alarm: {s}" for s in false_alarms]
    return "\n".join(lines)


@pytest.mark.parametrize("language", [None, "fi", "en"], ids=["all", "fi", "en"])
def test_the_guard_catches_health_sentences_and_lets_the_rest_through(language):
    rows = [row for row in ROWS if language in (None, row[1])]
    recall, false_alarm_rate, missed, false_alarms = measure(rows)
    message = report(recall, false_alarm_rate, missed, false_alarms)
    assert recall >= MIN_RECALL, message
    assert false_alarm_rate < MAX_FALSE_ALARM_RATE, message


def test_a_check_takes_well_under_a_millisecond():
    sentences = [sentence for _, _, sentence in ROWS]
    start = time.perf_counter()
    for sentence in sentences:
        find_health_terms(sentence)
    per_check = (time.perf_counter() - start) / len(sentences)
    # Measured at about 0.05 ms warm and 0.2 ms with an empty stem cache; the bound leaves
    # room for a slow CI machine.
    assert per_check < 0.001, f"{per_check * 1000:.3f} ms per check"

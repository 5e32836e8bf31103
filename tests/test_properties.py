"""Properties of the extractor (stance.extract.extract_statements) on arbitrary text, and its time on
pathological quote patterns, 1 KB against 1 MB (figures in tests/RELIABILITY.md).

Rerun the timing with its figures printed: ``.venv/bin/pytest tests/test_properties.py -m slow -s -k linear``;
the scaling table (1 KB to 1 MB, one run each, 120 s at most): ``.venv/bin/python tests/test_properties.py``
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stance.extract import extract_statements
from stance.records import KINDS, Article

QUOTE_MARKS = "\"“”«»‘’'„‟‹›「」"
PIECES = [*QUOTE_MARKS, " ", "  ", "\n", "\n\n", ",", ".", ":", ";", "—", "-", "(", ")", "?", "!", "…",
          " said", " told reporters", " added", "according to ", "He", " he ", "she said", "the minister",
          "Lavrov", "Syria's", "rebels'", "We will", "not", "al-Assad", "UN envoy Geir Pedersen",
          "MOSCOW, Dec 9 ", "(Reuters) ", "A", "é", "ß", "İ", "ﬁ", "\u200f", "\u200b", "\ufeff", "\t", "\r",
          "\x00", "😀", "١٢"]
quote_heavy = st.lists(st.sampled_from(PIECES), max_size=120).map("".join)
any_unicode = st.text(max_size=400)
mixed = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=80).map("".join)

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(text: str) -> None:
    """Run the extractor on ``text`` and assert the record invariants."""
    statements = extract_statements(Article("p", text))
    previous = -1
    for s in statements:
        assert 0 <= s.start < s.end <= len(text), s
        assert s.kind in KINDS, s
        assert s.text.strip(), s
        span = text[s.start:s.end]
        if s.text != span:  # an interrupted or multi-paragraph quote: its parts, joined, in reading order
            assert s.kind == "direct", s
            rest = span
            for part in s.text.split():
                where = rest.find(part)
                assert where >= 0, (part, span, s)
                rest = rest[where + len(part):]
        assert (s.speaker is None) == (s.speaker_start is None) == (s.speaker_end is None), s
        if s.speaker is not None:
            assert 0 <= s.speaker_start < s.speaker_end <= len(text), s
            assert text[s.speaker_start:s.speaker_end] == s.speaker, s
        assert s.start >= previous, "statements are in reading order"
        previous = s.start


@SETTINGS
@given(any_unicode)
def test_any_unicode_text(text):
    check(text)


@SETTINGS
@given(quote_heavy)
def test_quote_heavy_text(text):
    check(text)


@SETTINGS
@given(mixed)
def test_mixed_text(text):
    check(text)


@SETTINGS
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=40).map("".join))
def test_attributed_quotes_in_context(middle):
    check(f'"We will not negotiate," the minister said. {middle} "{middle}," Lavrov said.\n\n{middle}')


def test_examples_that_once_mattered():
    for text in ['"', '""', "“”", '"a," he said, "', "'''", "«»" * 50, '"x" — ', "He said:",
                 "\n\n“a\n\n“b\n\n", 'She called it "a crime".' * 3, "\x00said\x00", "said" * 10]:
        check(text)


# -- time: 1 KB against 1 MB ------------------------------------------------------------------------------

PATTERNS = {  # name -> the unit repeated to the wanted size
    "only-marks": "\"“”«»‘’'" * 4,
    "unbalanced": '"a “b «c said the minister. ',
    "nested": "“a ‘b «c \"d ",
    "attributed": '"We hold the line," he said. ',
    "reopened-paragraphs": "“We will go on\n\n",
}
BOUND = 4.0  # the 1 MB text may take at most this many times the 1 KB text's time per KB
KB, MB = 1_000, 1_000_000

_CHILD = """
import json, sys, time
from stance.extract import extract_statements
from stance.records import Article
unit, size = json.loads(sys.argv[1]), int(sys.argv[2])
text = (unit * (size // len(unit) + 1))[:size]
extract_statements(Article("warm", "x"))
t = time.perf_counter()
extract_statements(Article("p", text))
print(time.perf_counter() - t)
"""


def _per_kb_1kb(unit: str) -> float:
    text = (unit * (KB // len(unit) + 1))[:KB]
    extract_statements(Article("p", text))  # warm the lexicons
    times = []
    for _ in range(7):
        t = time.perf_counter()
        for _ in range(20):
            extract_statements(Article("p", text))
        times.append((time.perf_counter() - t) / 20)
    return statistics.median(times)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PATTERNS))
def test_linear_time_on_pathological_quote_patterns(name):
    unit = PATTERNS[name]
    small = _per_kb_1kb(unit)
    limit = BOUND * small * (MB / KB)
    try:
        proc = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(unit), str(MB)], capture_output=True,
                              text=True, timeout=limit + 2)
    except subprocess.TimeoutExpired:
        print(f"{name}: 1 KB {small * 1e3:.2f} ms/KB; 1 MB did not finish in {limit + 2:.0f} s "
              f"(> {BOUND}x per KB)")
        pytest.fail(f"{name}: 1 MB took over {limit + 2:.0f} s, {BOUND}x the 1 KB rate")
    assert proc.returncode == 0, proc.stderr
    large = float(proc.stdout.strip()) / (MB / KB)
    print(f"{name}: 1 KB {small * 1e3:.2f} ms/KB; 1 MB {large * 1e3:.2f} ms/KB; ratio {large / small:.2f}")
    assert large / small < BOUND


if __name__ == "__main__":
    print("| pattern | " + " | ".join(f"{size // KB:,} KB" for size in (KB, 10 * KB, 100 * KB, MB)) + " |")
    for pattern, repeated in PATTERNS.items():
        cells = []
        for size in (KB, 10 * KB, 100 * KB, MB):
            try:
                run = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(repeated), str(size)],
                                     capture_output=True, text=True, timeout=120, check=True)
                cells.append(f"{float(run.stdout) / (size / KB) * 1e3:.2f}")
            except subprocess.TimeoutExpired:
                cells.append("> 120 s in all")
                break
        print(f"| {pattern} | " + " | ".join(cells) + " |")

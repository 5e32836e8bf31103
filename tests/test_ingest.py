"""Reading collections (stance.ingest): formats, folders, metadata and one clear error per bad input."""

from __future__ import annotations

import codecs
import json
import shutil
from pathlib import Path

import pytest

from stance.extract import extract_statements
from stance.ingest import MAX_CHARS, read_articles, read_file, stable_id
from stance.records import Article, ReadError

COLLECTION = Path(__file__).resolve().parent / "data" / "ingest" / "collection"
GOOD_TEXT = "The Observatory said at least 20 civilians were killed in air strikes on Idlib on Monday.\n"


def read(inputs, **kw) -> tuple[list[Article], list[ReadError]]:
    items = list(read_articles([str(p) for p in inputs], **kw))
    assert all(isinstance(i, (Article, ReadError)) for i in items)
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, ReadError)]


def by_id(articles: list[Article]) -> dict[str, Article]:
    return {a.doc_id: a for a in articles}


# -- formats ----------------------------------------------------------------------------------------------


def test_txt_and_md_take_the_file_stem_as_doc_id():
    articles, errors = read([COLLECTION / "aleppo-lead.txt", COLLECTION / "briefing-notes.md"])
    assert errors == []
    assert [a.doc_id for a in articles] == ["aleppo-lead", "briefing-notes"]
    lead = articles[0]
    assert lead.text == (COLLECTION / "aleppo-lead.txt").read_text(encoding="utf-8")
    assert lead.title is None and lead.date is None
    assert lead.origin == str(COLLECTION / "aleppo-lead.txt")


def test_html_text_title_and_date_come_from_trafilatura():
    (article,) = read([COLLECTION / "web" / "hama-outskirts.html"])[0]
    assert article.doc_id == "hama-outskirts"
    assert article.title == "Rebels reach Hama outskirts as army sends reinforcements"
    assert article.date == "2024-12-03"
    assert article.source == "Levant Wire"
    assert article.url == "https://example.org/levant-wire/hama-outskirts"
    assert "Rebel fighters reached the northern outskirts of Hama" in article.text
    assert "the defence ministry said in a statement" in article.text
    for boilerplate in ("Subscribe now", "Cookie settings", "All rights reserved"):
        assert boilerplate not in article.text


def test_html_statements_are_found_in_the_extracted_text():
    (article,) = read([COLLECTION / "web" / "hama-outskirts.html"])[0]
    speakers = [s.speaker for s in extract_statements(article)]
    assert "the defence ministry" in speakers and "Residents" in speakers


def test_jsonl_fields_metadata_and_stable_hash():
    path = COLLECTION / "feeds" / "2024" / "december.jsonl"
    articles, errors = read([path])
    assert errors == []  # the trailing blank line is not a record
    assert len(articles) == 3
    first, no_id, numeric = articles
    assert first.doc_id == "lw-1201"
    assert first.metadata() == {
        "title": "Iran's top diplomat in Damascus",
        "date": "2024-12-01",
        "source": "Levant Wire",
        "url": "https://example.org/levant-wire/lw-1201",
    }
    assert first.origin == f"{path}:1"
    assert no_id.doc_id == stable_id(no_id.text) and len(no_id.doc_id) == 16
    assert no_id.source == "Cedar Daily" and no_id.origin == f"{path}:2"
    assert read([path])[0][1].doc_id == no_id.doc_id  # stable across reads
    assert numeric.doc_id == "20241204"
    assert numeric.date == "2024-12-04"  # "4 December 2024" normalised


def test_stable_hash_depends_on_the_text_only():
    assert stable_id("Rebels entered Hama.") == stable_id("Rebels entered Hama.")
    assert stable_id("Rebels entered Hama.") != stable_id("Rebels entered Homs.")


def test_csv_fields_quoted_newlines_and_metadata():
    articles, errors = read([COLLECTION / "feeds" / "wire-table.csv"])
    assert errors == []
    first, second = articles
    assert first.doc_id == "cd-0912"
    assert first.text.startswith("DAMASCUS, Dec 9 (Cedar Daily) - Crowds gathered")
    assert '\n\n"We are free, finally free," said one man' in first.text
    assert "\r" not in first.text
    assert first.metadata() == {
        "title": "Celebrations continue in Damascus",
        "date": "2024-12-09",
        "source": "Cedar Daily",
        "url": "https://example.org/cedar/cd-0912",
    }
    assert second.metadata() == {"title": None, "date": None, "source": None, "url": None}


def test_folder_is_recursed_and_skips_hidden_and_unsupported_files():
    articles, errors = read([COLLECTION])
    assert errors == []
    assert sorted(a.doc_id for a in articles) == sorted(
        [
            "aleppo-lead",
            "briefing-notes",
            "hama-outskirts",
            "lw-1201",
            stable_id(GOOD_TEXT.strip()),
            "20241204",
            "cd-0912",
            "cd-0913",
        ]
    )


def test_metadata_passes_through_to_every_statement_row():
    articles, _ = read([COLLECTION / "feeds" / "2024" / "december.jsonl"])
    article = by_id(articles)["lw-1201"]
    statements = extract_statements(article)
    assert statements
    for st in statements:
        row = st.to_row()
        assert row["doc_id"] == "lw-1201"
        assert {k: row[k] for k in ("title", "date", "source", "url")} == article.metadata()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-12-08", "2024-12-08"),
        ("2024-12-08T06:30:00+03:00", "2024-12-08"),
        ("8 December 2024", "2024-12-08"),
        ("Dec 8, 2024", "2024-12-08"),
        ("08/12/2024", "2024-12-08"),
        ("", None),
        ("sometime in winter", "sometime in winter"),
    ],
)
def test_dates_are_normalised_to_iso_days(tmp_path, raw, expected):
    path = tmp_path / "dated.jsonl"
    path.write_text(json.dumps({"doc_id": "d", "text": GOOD_TEXT, "date": raw}) + "\n", encoding="utf-8")
    ((article,), errors) = read([path])
    assert errors == [] and article.date == expected


# -- encodings ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoded",
    [
        codecs.BOM_UTF16_LE + GOOD_TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + GOOD_TEXT.encode("utf-16-be"),
        codecs.BOM_UTF8 + GOOD_TEXT.encode("utf-8"),
    ],
    ids=["utf-16-le", "utf-16-be", "utf-8-bom"],
)
def test_byte_order_marks_are_decoded(tmp_path, encoded):
    path = tmp_path / "wire.txt"
    path.write_bytes(encoded)
    ((article,), errors) = read([path])
    assert errors == []
    assert article.text == GOOD_TEXT


def test_utf16_jsonl_is_decoded(tmp_path):
    path = tmp_path / "wide.jsonl"
    line = json.dumps(
        {"doc_id": "w1", "text": "Le ministre a déclaré que l'armée tenait Hama."}, ensure_ascii=False
    )
    path.write_bytes(codecs.BOM_UTF16_LE + (line + "\n").encode("utf-16-le"))
    ((article,), errors) = read([path])
    assert errors == [] and article.text.endswith("tenait Hama.")


def test_windows_line_ends_become_newlines(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"The army said it held Hama.\r\n\r\nResidents said the roads were empty.\r\n")
    ((article,), _) = read([path])
    assert article.text == "The army said it held Hama.\n\nResidents said the roads were empty.\n"


# -- bad inputs: one clear error each, the rest of the batch still read -------------------------------------


def _bad(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


BIG = (
    "Rebels said they had reached the outskirts of Hama, and the army said it was regrouping. " * 60_000
).encode()


BAD_INPUTS = {
    # id: (file name, bytes, origin suffix (the line, if any), words in the reason)
    "empty": ("empty.txt", b"", "", "empty"),
    "blank": ("blank.md", b"  \n\n\t \n", "", "empty"),
    "binary": ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02\x00" * 8, "", "binary"),
    "binary-html": ("page.html", bytes(range(256)) * 4, "", "binary"),
    "invalid-utf8": ("latin1.txt", "Résidents said the café was shut.\n".encode("latin-1"), ":1", "UTF-8"),
    "invalid-utf8-line-3": ("late.md", b"Line one.\nLine two.\nThe caf\xe9 shut.\n", ":3", "UTF-8"),
    "5mb-txt": ("dump.txt", BIG, "", "limit"),
    "5mb-jsonl": (
        "dump.jsonl",
        json.dumps({"doc_id": "huge", "text": BIG.decode()}).encode() + b"\n",
        ":1",
        "limit",
    ),
    "broken-jsonl-line": (
        "feed.jsonl",
        b'{"doc_id": "ok-1", "text": "x"}\n{"doc_id": "ok-2", "text": "unterminated\n',
        ":2",
        "invalid JSON",
    ),
    "jsonl-not-object": ("list.jsonl", b'["doc_id", "text"]\n', ":1", "JSON object"),
    "jsonl-text-not-string": ("nums.jsonl", b'{"doc_id": "n1", "text": 42}\n', ":1", "text"),
    "jsonl-missing-text": ("notext.jsonl", b'{"doc_id": "n2", "title": "Headline only"}\n', ":1", "text"),
    "csv-no-text-column": (
        "table.csv",
        b"doc_id,body\nc1,The army said it had retaken two villages.\n",
        ":1",
        "'text' column",
    ),
    "csv-empty-text": ("rows.csv", b"doc_id,text\nr1,\n", ":2", "empty"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gives_one_error_naming_file_line_and_reason(tmp_path, case):
    name, data, line, words = BAD_INPUTS[case]
    bad = _bad(tmp_path / "batch", name, data)
    good = _bad(tmp_path / "batch", "zz-good.txt", GOOD_TEXT.encode())
    articles, errors = read([bad, good])
    own = [e for e in errors if e.origin.startswith(str(bad))]
    assert len(own) == 1, errors
    (error,) = own
    assert error.origin == f"{bad}{line}"
    assert words.lower() in error.reason.lower()
    assert str(error) == f"{error.origin}: {error.reason}"
    assert "zz-good" in [a.doc_id for a in articles]  # the rest of the batch is read


def test_broken_jsonl_line_keeps_the_other_lines(tmp_path):
    path = _bad(
        tmp_path,
        "feed.jsonl",
        b'{"doc_id": "a", "text": "The army said it held Hama."}\n'
        b"{not json at all\n"
        b'{"doc_id": "c", "text": "Residents said the roads were empty."}\n',
    )
    articles, errors = read([path])
    assert [a.doc_id for a in articles] == ["a", "c"]
    assert [e.origin for e in errors] == [f"{path}:2"]
    assert articles[1].origin == f"{path}:3"


def test_over_limit_is_configurable(tmp_path):
    path = _bad(tmp_path, "long.txt", ("The army said it held the line. " * 100).encode())
    assert read([path])[1] == []
    articles, (error,) = read([path], max_chars=500)
    assert articles == [] and "limit" in error.reason and error.origin == str(path)
    assert MAX_CHARS < 5_000_000


def test_duplicate_doc_ids_are_reported_once_each(tmp_path):
    first = _bad(tmp_path / "monday", "hama.txt", b"The army said it held Hama.\n")
    second = _bad(tmp_path / "tuesday", "hama.txt", b"The rebels said they had entered Hama.\n")
    feed = _bad(
        tmp_path,
        "feed.jsonl",
        b'{"doc_id": "x1", "text": "The Observatory said 12 people died."}\n'
        b'{"doc_id": "x1", "text": "The Observatory said 14 people died."}\n',
    )
    articles, errors = read([tmp_path])
    assert sorted(a.doc_id for a in articles) == ["hama", "x1"]
    assert sorted(e.origin for e in errors) == sorted([str(second), f"{feed}:2"])
    for error in errors:
        assert "duplicate doc_id" in error.reason
    hama = [e for e in errors if e.origin == str(second)][0]
    assert str(first) in hama.reason  # points at the first one


def test_missing_path_and_unsupported_type(tmp_path):
    missing = tmp_path / "nowhere.txt"
    odd = _bad(tmp_path, "scan.pdf", b"%PDF-1.4")
    articles, errors = read([missing, odd, COLLECTION / "aleppo-lead.txt"])
    assert [a.doc_id for a in articles] == ["aleppo-lead"]
    assert [e.origin for e in errors] == [str(missing), str(odd)]
    assert "no such file" in errors[0].reason and "unsupported" in errors[1].reason


def test_mixed_batch_folder(tmp_path):
    batch = tmp_path / "batch"
    shutil.copytree(COLLECTION, batch / "good")
    for case, (name, data, _, _) in BAD_INPUTS.items():
        _bad(batch / "bad" / case, name, data)
    articles, errors = read([batch])
    assert len(articles) == 8 + 1  # the collection, and ok-1 before the broken JSONL line
    assert len(errors) == len(BAD_INPUTS)
    assert {Path(e.origin.split(":")[0]).parent.name for e in errors} == set(BAD_INPUTS)


def test_read_file_reports_a_missing_file(tmp_path):
    items = list(read_file(tmp_path / "gone.txt"))
    assert len(items) == 1 and isinstance(items[0], ReadError)

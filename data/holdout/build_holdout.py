"""Compile the held-out sources (data/holdout/src/*.txt) into GUIDELINES §4 JSONL records.

    python data/holdout/build_holdout.py

Same source format as the corpus (data/corpus/FORMAT.md); reuses data/build_corpus.py's parser.
Writes data/holdout/holdout.articles.jsonl and data/holdout/holdout.labels.jsonl (no splits).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from build_corpus import SourceError, parse_source, write_jsonl  # noqa: E402


def main() -> int:
    articles, statements, failed = [], [], 0
    for path in sorted((HERE / "src").glob("*.txt")):
        try:
            article, records = parse_source(path)
        except SourceError as exc:
            print(exc, file=sys.stderr)
            failed += 1
            continue
        articles.append(article)
        statements.extend(records)
    if failed:
        print(f"{failed} file(s) with errors", file=sys.stderr)
        return 1
    write_jsonl(HERE / "holdout.articles.jsonl", articles)
    write_jsonl(HERE / "holdout.labels.jsonl", statements)
    print(f"holdout: {len(articles)} articles, {len(statements)} statements")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""benchmarks/RESULTS.md is shared: each benchmark owns one ``## `` section and replaces only that."""

from __future__ import annotations

import re
from pathlib import Path


def replace_section(path: Path, heading: str, body: str) -> None:
    """Replace (or append) the ``heading`` section of a shared markdown file, nothing else.

    ``body`` is the whole section, its heading line included; the file is re-read right before
    writing so that sections recorded meanwhile by other benchmarks are kept.
    """
    text = path.read_text("utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: body.rstrip("\n") + "\n\n", text, count=1).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + body.rstrip("\n") + "\n"
    path.write_text(text, "utf-8")

"""Counts and near-duplicate rate of the labelled corpus (data/corpus/*.jsonl).

    .venv/bin/python benchmarks/corpus_stats.py               # print, record in RESULTS.md and data/README.md
    .venv/bin/python benchmarks/corpus_stats.py --no-record   # print only

Counts per split, actor, target × stance, kind, writer and source outlet; words and
statements per article; the near-duplicate rate: a statement is a near-duplicate when
at least half of its word 5-grams occur in one other statement (statements under five
words: the same word sequence). Writes the "## Corpus" section of benchmarks/RESULTS.md
and the counts block of the datasheet data/README.md; other text is left as it is.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from collections import Counter, defaultdict
from pathlib import Path

from results_md import replace_section

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
DATASHEET = ROOT / "data" / "README.md"
HEADING = "## Corpus"
BEGIN, END = "<!-- corpus_stats:begin -->", "<!-- corpus_stats:end -->"
SPLITS = ("train", "dev", "test")
ACTORS = ("syrian_government", "hts", "russia", "iran", "turkey", "us", "un", "other")
TARGETS = ("assad_government", "armed_opposition", "political_solution", "foreign_involvement")
KINDS = ("direct", "partial", "indirect")
MIN_ARTICLES, MIN_STATEMENTS, MIN_ACTOR, MIN_STANCE = 250, 2500, 200, 150
DUP_SHARE, DUP_BAR = 0.5, 0.05


def read_jsonl(path: Path) -> list[dict]:
    """Records of a JSONL file; a bad line stops with its file and line."""
    out = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise SystemExit(f"{path}:{lineno}: invalid JSON ({exc.msg})") from exc
    return out


def load(corpus: Path = CORPUS) -> tuple[list[dict], list[dict]]:
    """(articles, statements) of all splits, each tagged with its ``split``."""
    articles, statements = [], []
    for split in SPLITS:
        for kind, out in (("articles", articles), ("labels", statements)):
            path = corpus / f"{split}.{kind}.jsonl"
            if not path.exists():
                raise SystemExit(f"{path}: missing; run `python data/build_corpus.py` first")
            out.extend({**r, "split": split} for r in read_jsonl(path))
    return articles, statements


def grams(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    if len(words) < n:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def near_duplicates(statements: list[dict], *, across_articles: bool = False) -> list[int]:
    """Indices of statements sharing ≥ half of their 5-grams with one other statement.

    ``across_articles``: only count a partner from another article (a summary and a body
    mention of the same speech act in one article are two statements by GUIDELINES §1).
    """
    sets = [grams(s["text"]) for s in statements]
    index: dict[tuple, list[int]] = defaultdict(list)
    for i, g in enumerate(sets):
        for gram in g:
            index[gram].append(i)
    dups = []
    for i, g in enumerate(sets):
        if not g:
            continue
        shared: Counter = Counter()
        for gram in g:
            for j in index[gram]:
                if j != i and not (across_articles and statements[j]["doc_id"] == statements[i]["doc_id"]):
                    shared[j] += 1
        if shared and shared.most_common(1)[0][1] >= DUP_SHARE * len(g):
            dups.append(i)
    return dups


def compute(articles: list[dict], statements: list[dict]) -> dict:
    """Every figure the section and the datasheet show."""
    per_doc = Counter(s["doc_id"] for s in statements)
    words = [len(re.findall(r"\w+", a["text"])) for a in articles]
    n_stmt = [per_doc.get(a["doc_id"], 0) for a in articles]
    dups = near_duplicates(statements)
    dups_across = near_duplicates(statements, across_articles=True)
    test = [s for s in statements if s["split"] == "test"]
    rest = [s for s in statements if s["split"] != "test"]
    leak = [i for i in near_duplicates(test + rest, across_articles=True) if i < len(test)]
    leak = [i for i in leak if _partner_outside(test[i], rest)]
    return {
        "articles": len(articles),
        "statements": len(statements),
        "split": {sp: (sum(a["split"] == sp for a in articles), sum(s["split"] == sp for s in statements))
                  for sp in SPLITS},
        "actor": {sp: Counter(s["actor"] for s in statements if sp in ("all", s["split"]))
                  for sp in ("all", *SPLITS)},
        "stance": {sp: {t: Counter(s["stance"][t] for s in statements if sp in ("all", s["split"]))
                        for t in TARGETS} for sp in ("all", *SPLITS)},
        "kind": Counter(s["kind"] for s in statements),
        "writer": _by_writer(articles, per_doc),
        "source": Counter(a.get("source", "?") for a in articles),
        "source_statements": Counter(
            src for a in articles for src in [a.get("source", "?")] * per_doc.get(a["doc_id"], 0)
        ),
        "words_per_article": _summary(words),
        "statements_per_article": _summary(n_stmt),
        "dup_rate": len(dups) / len(statements),
        "dup_n": len(dups),
        "dup_across_rate": len(dups_across) / len(statements),
        "dup_across_n": len(dups_across),
        "dup_examples": [statements[i]["text"][:90] for i in dups_across[:5]],
        "test_leak_n": len(leak),
        "test_n": len(test),
    }


def _partner_outside(statement: dict, others: list[dict]) -> bool:
    g = grams(statement["text"])
    return any(len(g & grams(o["text"])) >= DUP_SHARE * len(g) for o in others)


def _by_writer(articles: list[dict], per_doc: Counter) -> dict[str, tuple[int, int]]:
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for a in articles:
        writer = a["doc_id"].split("-")[0] if "-" in a["doc_id"] else "seed"
        out[writer][0] += 1
        out[writer][1] += per_doc.get(a["doc_id"], 0)
    return {w: tuple(v) for w, v in sorted(out.items())}


def _summary(values: list[int]) -> dict[str, float]:
    return {"mean": statistics.mean(values), "median": statistics.median(values),
            "min": min(values), "max": max(values)}


def gaps(stats: dict) -> list[str]:
    """Cells below the issue's minimums."""
    out = []
    if stats["articles"] < MIN_ARTICLES:
        out.append(f"articles {stats['articles']} < {MIN_ARTICLES}")
    if stats["statements"] < MIN_STATEMENTS:
        out.append(f"statements {stats['statements']} < {MIN_STATEMENTS}")
    for actor in ACTORS:
        if stats["actor"]["all"][actor] < MIN_ACTOR:
            out.append(f"actor {actor}: {stats['actor']['all'][actor]} < {MIN_ACTOR}")
    for t in TARGETS:
        for label in ("favor", "against"):
            n = stats["stance"]["all"][t][label]
            if n < MIN_STANCE:
                out.append(f"{t} {label}: {n} < {MIN_STANCE}")
    if stats["dup_rate"] >= DUP_BAR:
        out.append(f"near-duplicate rate {stats['dup_rate']:.1%} ≥ {DUP_BAR:.0%}")
    return out


def counts_markdown(stats: dict) -> str:
    """The count tables (shared by RESULTS.md and the datasheet)."""
    lines = ["| split | articles | statements |", "|---|---|---|"]
    lines += [f"| {sp} | {a} | {s} |" for sp, (a, s) in stats["split"].items()]
    lines += [f"| **all** | **{stats['articles']}** | **{stats['statements']}** |", ""]
    lines += ["| actor | all | train | dev | test |", "|---|---|---|---|---|"]
    lines += [f"| {a} | {stats['actor']['all'][a]} | "
              + " | ".join(str(stats["actor"][sp][a]) for sp in SPLITS) + " |" for a in ACTORS]
    lines += ["", "| target | favor | against | none | test favor / against |", "|---|---|---|---|---|"]
    for t in TARGETS:
        c, ct = stats["stance"]["all"][t], stats["stance"]["test"][t]
        lines.append(f"| {t} | {c['favor']} | {c['against']} | {c['none']} | "
                     f"{ct['favor']} / {ct['against']} |")
    lines += ["", "| kind | statements |", "|---|---|"]
    lines += [f"| {k} | {stats['kind'][k]} |" for k in KINDS]
    lines += ["", "| writer | articles | statements |", "|---|---|---|"]
    lines += [f"| {w} | {a} | {s} |" for w, (a, s) in stats["writer"].items()]
    top = stats["source"].most_common(10)
    lines += ["", f"Source outlets: {len(stats['source'])} (all fictional except the seed's AFP); "
              "the ten with most articles: "
              + ", ".join(f"{src} {n} ({stats['source_statements'][src]} st.)" for src, n in top) + "."]
    w, s = stats["words_per_article"], stats["statements_per_article"]
    lines += ["", f"Words per article: median {w['median']:.0f}, mean {w['mean']:.0f}, "
              f"range {w['min']}–{w['max']}. Statements per article: median {s['median']:.0f}, "
              f"mean {s['mean']:.1f}, range {s['min']}–{s['max']}."]
    return "\n".join(lines)


def findings(stats: dict) -> str:
    """The near-duplicate rate and the cells below the minimums, in words."""
    found = gaps(stats)
    return "\n\n".join([
        f"Near-duplicate statements (≥ 50% of their word 5-grams in one other statement): "
        f"**{stats['dup_rate']:.1%}** ({stats['dup_n']} of {stats['statements']}; bar < 5%); "
        f"counting only a partner in another article: {stats['dup_across_rate']:.1%} "
        f"({stats['dup_across_n']}); test statements with a near-duplicate in train/dev: "
        f"{stats['test_leak_n']} of {stats['test_n']}.",
        "Below the issue's minimums: " + ("; ".join(found) if found else "none") + ".",
    ])


def section(stats: dict) -> str:
    return "\n".join([
        HEADING, "",
        f"The labelled corpus, data/corpus/{{train,dev,test}}.*.jsonl ({stats['articles']} articles, "
        f"{stats['statements']} statements). Datasheet: data/README.md.", "",
        counts_markdown(stats), "", findings(stats), "",
        "Rerun: `.venv/bin/python benchmarks/corpus_stats.py`", "",
    ])




def replace_block(path: Path, body: str) -> None:
    """Replace the text between the counts markers of the datasheet."""
    text = path.read_text("utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{path}: no {BEGIN} … {END} block to fill")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{body.strip()}\n{END}{tail}", "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-record", action="store_true", help="print only")
    args = parser.parse_args(argv)
    stats = compute(*load())
    text = section(stats)
    print(text)
    if stats["dup_examples"]:
        print("near-duplicates across articles, first ones:", *stats["dup_examples"], sep="\n  ")
    if not args.no_record:
        replace_section(RESULTS, HEADING, text)
        if DATASHEET.exists():
            replace_block(DATASHEET, counts_markdown(stats) + "\n\n" + findings(stats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Scoring speed and peak memory of ``stance score`` on our corpus, against its limit and a floor.

    .venv/bin/python benchmarks/speed.py                 # measure, print, record in RESULTS.md
    .venv/bin/python benchmarks/speed.py --no-record --repeats 1
    .venv/bin/python benchmarks/speed.py --ray           # also time the Ray engine

The collection is every article of data/corpus (train, dev, test) repeated until it holds
at least 1,000 articles (doc_ids made unique). Each measurement runs in its own subprocess,
whose max RSS is its peak memory:

- end to end, fp32 and int8: ``Pipeline.load`` + ``score_to_file`` into a JSONL file, what
  ``stance score`` runs (read, extract, resolve actors, classify, write);
- limit, fp32 and int8: the bare encoder's forward passes over the same statements, in the
  same length-sorted batches (tokenised beforehand, untimed); for int8, the fast path's cascade:
  the int8 pass, then the fp32 ONNX copy over the statements whose margin is below the model's
  fallback margin;
- floor: the same end to end with TF-IDF + logistic regression (fit on the train labels,
  untimed) in place of the encoder.

Rates are medians of ``--repeats`` rounds; a round runs every measurement once. Targets on
2 cores: >= 200 statements/s end to end, >= 70% of the limit, peak <= 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results_md import replace_section

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
HEADING = "## Speed"
CORPUS = ROOT / "data" / "corpus"
MIN_ARTICLES = 1000
TARGET_RATE, TARGET_SHARE, TARGET_GB = 200.0, 0.70, 1.5
MODES = ("e2e-fp32", "limit-fp32", "e2e-int8", "limit-int8", "floor-tfidf")
RAY_MODE = "ray-fp32"  # --ray: the Ray engine on a local 2-CPU Ray; its actors' memory is not in the peak


def build_collection(path: Path, min_articles: int = MIN_ARTICLES) -> int:
    """Our corpus repeated to >= MIN_ARTICLES articles, as one JSONL file; returns the article count."""
    base = [json.loads(line) for split in ("train", "dev", "test")
            for line in (CORPUS / f"{split}.articles.jsonl").read_text("utf-8").splitlines() if line.strip()]
    rows = []
    copy = 0
    while len(rows) < min_articles:
        rows += [{**a, "doc_id": f"{a['doc_id']}~{copy}" if copy else a["doc_id"]} for a in base]
        copy += 1
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return len(rows)


# -- the measured part, in a subprocess ------------------------------------------------------
def _pipeline(model: str, precision: str):
    from stance.pipeline import Pipeline

    return Pipeline.load(model, precision=precision)


def _end_to_end(pipe, collection: Path, out: Path) -> dict:
    from stance.ingest import read_articles
    from stance.output import score_to_file

    start = time.perf_counter()
    summary = score_to_file(pipe, read_articles([collection]), out, inputs_key=[str(collection)])
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "articles": summary.articles, "statements": summary.statements,
            "fallbacks": getattr(pipe.classifier, "fallbacks", 0)}


def _limit(pipe, collection: Path) -> dict:
    """Forward passes only, over the pipeline's own groups and length-sorted batches."""
    import numpy as np
    import torch

    from stance.ingest import read_articles
    from stance.model import input_text

    clf, groups, current = pipe.classifier, [], []
    for article in read_articles([collection]):
        statements = pipe.extractor.extract(article)
        current += statements
        if len(current) >= pipe.batch_statements:
            groups.append(current)
            current = []
    groups.append(current)
    from stance.classify import margins
    from stance.lexical import lexical_input

    batches, closes = [], []
    session = getattr(clf, "_session", None)
    for group in groups:
        contexts = [input_text(st.speaker, st.cue) for st in group]
        texts = [st.text for st in group]
        inputs = [lexical_input(st.speaker, st.cue, st.text) for st in group]
        order = sorted(range(len(texts)), key=lambda i: (len(texts[i]) + len(contexts[i]), i))
        for k in range(0, len(order), clf.batch_size):
            idx = order[k:k + clf.batch_size]
            enc = clf.tokenizer([contexts[i] for i in idx], [texts[i] for i in idx], truncation="only_second",
                                max_length=clf.max_length, padding=True, return_tensors="np")
            feeds = {k: v.astype(np.int64) for k, v in enc.items()
                     if k in ("input_ids", "attention_mask", "token_type_ids")}
            batches.append(feeds)
            if session is not None:  # the cascade's close calls, found untimed as the classifier finds them
                probs = clf._probabilities(*session.run(None, feeds), [inputs[i] for i in idx])
                closes.append(np.flatnonzero(margins(*probs) < clf.fallback_margin))
    start = time.perf_counter()
    with torch.inference_mode():
        for b, feeds in enumerate(batches):
            if session is None:
                clf.model(**{k: torch.from_numpy(v) for k, v in feeds.items()})
                continue
            session.run(None, feeds)
            close = closes[b]
            if len(close):  # the fast path's fp32 passes over its close calls belong to its limit
                clf._exact_session.run(None, {k: v[close] for k, v in feeds.items()})
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "statements": sum(len(g) for g in groups), "batches": len(batches)}


class TfidfClassifier:
    """TF-IDF + logistic regression with the classifier's interface (the floor)."""

    name, version, hash, precision = "tfidf-lr", "", "tfidf", "fp32"

    def __init__(self, labels: Path):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        from stance.model import input_text
        from stance.records import ACTORS, STANCES, TARGETS

        records = [json.loads(line) for line in labels.read_text("utf-8").splitlines() if line.strip()]
        self.actors, self.targets, self.stances = list(ACTORS), list(TARGETS), list(STANCES)
        docs = [f"{input_text(r.get('speaker'), r.get('cue'))} {r['text']}" for r in records]
        self.vec = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)
        x = self.vec.fit_transform(docs)
        self.actor_lr = LogisticRegression(max_iter=1000).fit(x, [r["actor"] for r in records])
        self.stance_lr = [LogisticRegression(max_iter=1000).fit(x, [r["stance"][t] for r in records])
                          for t in self.targets]

    def predict(self, speakers, cues, texts):
        import numpy as np

        from stance.classify import Predictions
        from stance.model import input_text

        docs = [f"{input_text(s, c)} {t}" for s, c, t in zip(speakers, cues, texts, strict=True)]
        x = self.vec.transform(docs)
        actor = np.zeros((len(texts), len(self.actors)), dtype=np.float32)
        actor[:, [self.actors.index(c) for c in self.actor_lr.classes_]] = self.actor_lr.predict_proba(x)
        stance = np.zeros((len(texts), len(self.targets), 3), dtype=np.float32)
        for t, lr in enumerate(self.stance_lr):
            stance[:, t, [self.stances.index(c) for c in lr.classes_]] = lr.predict_proba(x)
        return Predictions(actor, stance)


def _ray(model: str, collection: Path, out: Path) -> dict:
    from stance.distributed import score_with_ray

    start = time.perf_counter()
    summary = score_with_ray([collection], out, model=model, precision="fp32", num_cpus=2)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "articles": summary.articles, "statements": summary.statements,
            "load_seconds": 0.0, "precision": "fp32", "threads": 1}


def worker(mode: str, model: str, collection: Path, out: Path) -> dict:
    if mode == RAY_MODE:
        return _ray(model, collection, out)
    start = time.perf_counter()
    if mode == "floor-tfidf":
        from stance.pipeline import Pipeline

        pipe = Pipeline(TfidfClassifier(CORPUS / "train.labels.jsonl"))
    else:
        pipe = _pipeline(model, mode.split("-")[1])
    loaded = time.perf_counter() - start
    result = _limit(pipe, collection) if mode.startswith("limit") else _end_to_end(pipe, collection, out)
    return {**result, "load_seconds": loaded, "precision": pipe.classifier.precision,
            "threads": getattr(pipe.classifier, "threads", None)}


# -- the driver -------------------------------------------------------------------------------
def measure(mode: str, model: str, collection: Path, tmp: Path) -> dict:
    """Run one measurement in a subprocess; its result plus the subprocess's peak RSS."""
    cmd = [sys.executable, __file__, "--worker", mode, "--model", model, "--collection", str(collection),
           "--out", str(tmp / f"{mode}.jsonl")]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error"}
    with open(tmp / "stdout", "w+b") as out, open(tmp / "stderr", "w+b") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{stderr[-3000:]}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


def summarise(runs: dict[str, list[dict]]) -> dict[str, dict]:
    table = {}
    for mode, results in runs.items():
        rate = statistics.median(r["statements"] / r["seconds"] for r in results)
        row = {"statements_s": rate, "seconds": statistics.median(r["seconds"] for r in results),
               "peak_mb": max(r["peak_mb"] for r in results), "statements": results[0]["statements"],
               "load_seconds": statistics.median(r["load_seconds"] for r in results)}
        if "fallbacks" in results[0]:
            row["fallback_share"] = results[0]["fallbacks"] / max(1, results[0]["statements"])
        if "articles" in results[0]:
            row["articles_s"] = statistics.median(r["articles"] / r["seconds"] for r in results)
            row["articles"] = results[0]["articles"]
        table[mode] = row
    return table


NAMES = {"e2e-fp32": "end to end, fp32", "e2e-int8": "end to end, fast path (int8 -> fp32 cascade)",
         "limit-fp32": "limit: encoder forward only, fp32",
         "limit-int8": "limit: encoder forward only, fast path (int8 + fp32 for close calls)",
         "floor-tfidf": "floor: end to end with TF-IDF + LR",
         RAY_MODE: "Ray engine, fp32, 2 actors x 1 thread (Ray start and model loads included)"}


def render(table: dict[str, dict], n_articles: int, repeats: int, model: str) -> str:
    import torch

    def rate(mode: str) -> float:
        return table[mode]["statements_s"]

    lines = [
        f"{n_articles:,} articles ({table['e2e-fp32']['statements']:,} statements): data/corpus "
        f"train+dev+test repeated; model `{Path(model).name}`; {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, torch {torch.__version__}; batches of 64 length-sorted "
        f"statements in groups of 512. Median of {repeats} round(s); peak = max RSS of the measuring "
        "subprocess (model load included).",
        "",
        "| run | articles/s | statements/s | % of its limit | peak MB |",
        "|---|---|---|---|---|",
    ]
    for mode in table:
        row = table[mode]
        share = f"{rate(mode) / rate('limit-' + mode[4:]):.0%}" if mode.startswith("e2e") else ""
        arts = f"{row['articles_s']:.1f}" if "articles_s" in row else "—"
        peak = "—" if mode == RAY_MODE else f"{row['peak_mb']:.0f}"
        lines.append(f"| {NAMES[mode]} | {arts} | {rate(mode):.0f} | {share} | {peak} |")
    best = max(("e2e-fp32", "e2e-int8"), key=rate)
    peak_gb = max(table[m]["peak_mb"] for m in ("e2e-fp32", "e2e-int8")) / 1024
    lines += [
        "",
        f"- fast path vs fp32: end to end {rate('e2e-int8') / rate('e2e-fp32'):.2f}x, "
        f"encoder limit {rate('limit-int8') / rate('limit-fp32'):.2f}x; the fast path sent "
        f"{table['e2e-int8'].get('fallback_share', 0):.1%} of the statements back to fp32.",
        f"- Targets on 2 cores: >= {TARGET_RATE:.0f} statements/s end to end: best {rate(best):.0f} "
        f"({best[4:]}), {'met' if rate(best) >= TARGET_RATE else 'NOT met'}; "
        f">= {TARGET_SHARE:.0%} of the limit: fp32 {rate('e2e-fp32') / rate('limit-fp32'):.0%}, "
        f"fast path {rate('e2e-int8') / rate('limit-int8'):.0%}; "
        f"peak <= {TARGET_GB} GB: {peak_gb:.2f} GB, {'met' if peak_gb <= TARGET_GB else 'NOT met'}.",
        "",
        f"Rerun: `.venv/bin/python benchmarks/speed.py{' --ray' if RAY_MODE in table else ''}`",
    ]
    return "\n".join(lines) + "\n"




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "stance-minilm"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--articles", type=int, default=MIN_ARTICLES, help="at least this many articles")
    parser.add_argument("--ray", action="store_true", help="also time the Ray engine (fp32)")
    parser.add_argument("--worker", choices=(*MODES, RAY_MODE), help=argparse.SUPPRESS)
    parser.add_argument("--collection", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.model, args.collection, args.out)))
        return
    with tempfile.TemporaryDirectory(prefix="stance-speed-") as tmp:
        tmp = Path(tmp)
        collection = tmp / "collection.jsonl"
        n_articles = build_collection(collection, args.articles)
        modes = (*MODES, RAY_MODE) if args.ray else MODES
        runs: dict[str, list[dict]] = {m: [] for m in modes}
        for round_ in range(args.repeats):
            for mode in modes:
                result = measure(mode, args.model, collection, tmp)
                runs[mode].append(result)
                rate = result["statements"] / result["seconds"]
                print(f"round {round_ + 1} {mode}: {rate:.0f} statements/s, {result['peak_mb']:.0f} MB",
                      file=sys.stderr)
        section = render(summarise(runs), n_articles, args.repeats, args.model)
    print(section)
    if not args.no_record:
        replace_section(RESULTS, HEADING, f"{HEADING}\n\n{section}")
        print(f"recorded in {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()

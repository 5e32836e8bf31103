"""``stance score --engine ray``: the same pipeline on Ray Data, same output byte for byte.

The local engine classifies the statements of consecutive articles together,
flushing a group once it holds ``batch_statements`` statements, and the int8
path's numbers depend on which statements share a batch. So the Ray engine
runs two ``map_batches`` stages over a window of articles: ``_Count`` extracts
statements to find the local engine's groups, then ``_Score`` (a class-based
UDF: each Ray actor loads the model once) scores one whole group per call.
Rows come back to the driver and go, in input order, through
``stance.output.score_to_file``: the same writer, resumable, with skipped
inputs in ``<out>.errors.jsonl``.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path

from .pipeline import DEFAULT_ACTOR_POLICY
from .records import Article, ReadError

OBJECT_STORE_BYTES = 200 * 1024 * 1024
WINDOW = 5000  # articles held on the driver at a time; each window starts its actors afresh


@dataclass
class _ModelInfo:
    """What ``score_to_file`` needs of a classifier, read without loading it."""

    folder: Path
    hash: str
    precision: str
    targets: list[str]


def _model_info(folder: Path, precision: str, allow_pickle: bool) -> _ModelInfo:
    from .classify import fast_path_allowed
    from .model import ModelError, check_folder, sha256

    folder = check_folder(folder, allow_pickle=allow_pickle).resolve()  # workers may run elsewhere
    if precision not in ("auto", "fp32", "int8"):
        raise ModelError(f"precision must be auto, fp32 or int8, not {precision!r}")
    if precision == "auto":
        precision = "int8" if fast_path_allowed(folder) else "fp32"
    targets = list(json.loads((folder / "config.json").read_text(encoding="utf-8"))["targets"])
    return _ModelInfo(folder, sha256(folder / "model.safetensors")[:16], precision, targets)


def _model_files(folder: Path) -> dict[str, bytes]:
    """The model folder's files, to ship to cluster nodes that lack the folder."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@dataclass
class _Setup:
    """What every Ray actor needs, kept small: paths, and on a cluster one object of shipped files."""

    info: _ModelInfo
    actors: list[str]  # extra actors tables, as given to ``ActorTable.load``
    shipped: list  # [] locally; on a cluster [ObjectRef of {"actors": ActorTable, "model": {name: bytes}}]
    actor_policy: str = DEFAULT_ACTOR_POLICY
    batch_statements: int = 512
    threads: int = 1

    def actor_table(self):
        import ray

        from .actors import ActorTable

        return ray.get(self.shipped[0])["actors"] if self.shipped else ActorTable.load(self.actors)

    def model_folder(self) -> Path:
        import ray

        folder = self.info.folder
        if (folder / "model.safetensors").exists() or not self.shipped:
            return folder
        folder = Path(tempfile.mkdtemp(prefix="stance-model-")) / folder.name  # keeps the model name
        folder.mkdir()
        for name, data in ray.get(self.shipped[0])["model"].items():
            (folder / name).write_bytes(data)
        return folder


class _Count:
    """Ray UDF: the number of statements of each article, as the local engine counts them."""

    def __init__(self, setup: _Setup):
        from .pipeline import Pipeline

        self.pipe = Pipeline(None, actors=setup.actor_table())

    def __call__(self, batch: dict) -> dict:
        counts = []
        for payload in batch["article"]:
            article = Article(**json.loads(payload))
            try:
                statements = self.pipe.extractor.extract(article)
                for st in statements:
                    self.pipe.actors.resolve_statement(st, article)
                counts.append(len(statements))
            except Exception:  # the scoring stage reports it; a failed article adds no statements
                counts.append(0)
        return {"i": batch["i"], "n": counts}


class _Score:
    """Ray UDF: loads the pipeline once per actor, scores one local-engine group per call."""

    def __init__(self, setup: _Setup):
        from .classify import Classifier
        from .pipeline import Pipeline

        info = setup.info
        clf = Classifier(setup.model_folder(), precision=info.precision, threads=setup.threads)
        if (clf.hash, clf.precision) != (info.hash, info.precision):
            raise RuntimeError(f"a Ray worker loaded model {clf.hash} ({clf.precision}), the driver has "
                               f"{info.hash} ({info.precision}); give every node the same model folder")
        self.pipe = Pipeline(clf, actors=setup.actor_table(), actor_policy=setup.actor_policy,
                             batch_statements=setup.batch_statements)

    def __call__(self, batch: dict) -> dict:
        out = []
        for payload in batch["articles"]:
            articles = [Article(**a) for a in json.loads(payload)]
            results = [r if isinstance(r, list) else {"error": str(r)}
                       for _unit, r in self.pipe.score_units(articles)]
            out.append(json.dumps(results, ensure_ascii=False, allow_nan=False))
        return {"g": batch["g"], "results": out}


def _groups(seq: list[tuple[Article | ReadError, int]], limit: int):
    """Split (unit, statements) into the local engine's groups of units, and the open tail."""
    groups, current, n = [], [], 0
    for unit, count in seq:
        current.append((unit, count))
        if isinstance(unit, Article):
            n += count
            if n >= limit:
                groups.append([u for u, _ in current])
                current, n = [], 0
    return groups, current


class RayEngine:
    """A pipeline look-alike for ``score_to_file`` whose ``score_units`` runs on Ray Data."""

    def __init__(self, setup: _Setup, *, actors_count: int = 1, window: int = WINDOW):
        self.setup = setup
        self.classifier = setup.info
        self.actor_policy = setup.actor_policy
        self.actors_count, self.window = actors_count, window

    def score_units(self, units: Iterable) -> Iterator[tuple[Article | ReadError, object]]:
        """For each unit, in input order: (article, rows) or (unit, error message)."""
        units = iter(units)
        carry: list[tuple[Article | ReadError, int]] = []
        while window := list(islice(units, self.window)):
            counts = iter(self._count([u for u in window if isinstance(u, Article)]))
            seq = carry + [(u, next(counts) if isinstance(u, Article) else 0) for u in window]
            groups, carry = _groups(seq, self.setup.batch_statements)
            yield from self._score(groups)
        if carry:
            yield from self._score([[u for u, _ in carry]])

    def _count(self, articles: list[Article]) -> list[int]:
        import ray.data

        if not articles:
            return []
        items = [{"i": i, "article": json.dumps(asdict(a), ensure_ascii=False)}
                 for i, a in enumerate(articles)]
        ds = ray.data.from_items(items, override_num_blocks=min(len(items), 4 * self.actors_count))
        pool = ray.data.ActorPoolStrategy(size=self.actors_count)
        ds = ds.map_batches(_Count, fn_constructor_args=(self.setup,), batch_size=64,
                            num_cpus=self.setup.threads, compute=pool)
        counts = [0] * len(articles)
        for row in ds.iter_rows():
            counts[int(row["i"])] = int(row["n"])
        return counts

    def _score(self, groups: list[list[Article | ReadError]]) -> Iterator[tuple[Article | ReadError, object]]:
        import ray.data

        items = [{"g": g, "articles": json.dumps([asdict(u) for u in group if isinstance(u, Article)],
                                                 ensure_ascii=False)}
                 for g, group in enumerate(groups) if any(isinstance(u, Article) for u in group)]
        done: dict[int, list] = {}
        rows = iter(())
        if items:
            ds = ray.data.from_items(items, override_num_blocks=len(items))
            ds = ds.map_batches(_Score, fn_constructor_args=(self.setup,), batch_size=1,
                                num_cpus=self.setup.threads,
                                compute=ray.data.ActorPoolStrategy(size=min(self.actors_count, len(items))))
            rows = iter(ds.iter_rows())
        for g, group in enumerate(groups):
            while any(isinstance(u, Article) for u in group) and g not in done:
                row = next(rows)
                done[int(row["g"])] = json.loads(row["results"])
            results = iter(done.pop(g, []))
            for unit in group:
                if isinstance(unit, ReadError):
                    yield unit, unit.reason
                    continue
                result = next(results)
                yield unit, result["error"] if isinstance(result, dict) else result


def _start_ray(address: str | None, num_cpus: int | None) -> bool:
    """Connect to ``address`` or start a small local Ray; True when this call started it."""
    import ray

    if ray.is_initialized():
        return False
    address = address or os.environ.get("RAY_ADDRESS")  # set by `ray job submit`
    if address:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
    else:
        ray.init(num_cpus=num_cpus or os.cpu_count() or 1, object_store_memory=OBJECT_STORE_BYTES,
                 include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
    return True


def score_with_ray(inputs: list[str | Path], out: str | Path, *, model: str | Path | None = None,
                   precision: str = "auto", actors: Iterable[str | Path] = (), address: str | None = None,
                   max_chars: int = 1_000_000, allow_pickle: bool = False, num_cpus: int | None = None,
                   threads_per_actor: int = 1, window: int = WINDOW):
    """Score ``inputs`` into ``out`` on Ray (local unless ``address``); returns a ``stance.output.Summary``.

    The results and ``.errors.jsonl`` files equal the local engine's byte for byte.
    """
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise RuntimeError('the Ray engine needs Ray: pip install "stance[ray]"') from exc
    from .actors import ActorTable
    from .ingest import read_articles
    from .output import score_to_file
    from .pipeline import Pipeline, default_model_path

    inputs = [Path(p) for p in inputs]
    info = _model_info(Path(model or default_model_path()), precision, allow_pickle)
    actors = [Path(p) for p in actors]
    local = Pipeline(None, actors=ActorTable.load(actors))
    started = _start_ray(address, num_cpus)
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = sys.stderr.isatty()  # quiet in pipes and CI
        ctx.print_on_execution_start = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        shipped = [ray.put({"actors": local.actors, "model": _model_files(info.folder)})] if address else []
        setup = _Setup(info, [str(p.resolve()) for p in actors], shipped, actor_policy=local.actor_policy,
                       batch_statements=local.batch_statements, threads=threads_per_actor)
        engine = RayEngine(setup, actors_count=max(1, cpus // threads_per_actor), window=window)
        key = sorted(str(p.resolve()) for p in inputs) + [f"max_chars={max_chars}"]
        return score_to_file(engine, read_articles(inputs, max_chars=max_chars), out, inputs_key=key)
    finally:
        if started:
            ray.shutdown()

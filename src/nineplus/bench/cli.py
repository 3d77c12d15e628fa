"""``nineplus bench submit|import``: benchmarks that print figures and ratios against a baseline."""

from __future__ import annotations

import statistics
import time
from typing import Annotated

import typer

from nineplus.cli_support import console, fail
from nineplus.core.settings import get_settings

bench_app = typer.Typer(
    help="Benchmarks that print figures and ratios against a baseline.", no_args_is_help=True
)


@bench_app.command("submit")
def bench_submit(
    seconds: Annotated[float, typer.Option(help="Measured seconds per run.")] = 60.0,
    clients: Annotated[int, typer.Option(help="Concurrent clients (keep-alive connections).")] = 50,
    runs: Annotated[int, typer.Option(help="Runs per mode; the medians are reported.")] = 3,
    warmup: Annotated[float, typer.Option(help="Seconds of load before each measured window.")] = 3.0,
    baseline: Annotated[bool, typer.Option(help="Also run without group commit, as the baseline.")] = True,
) -> None:
    """Post whole responses over HTTP to `nineplus serve` on a fresh SQLite database; report
    responses/s and p50/p99 latency, and check that every acknowledged response is stored."""
    from rich.table import Table

    from nineplus.bench import submit as bench
    from nineplus.core.registry import import_all_models

    import_all_models()
    folder, url = bench.fresh_folder(get_settings().data_dir)
    survey = bench.prepare(url)
    console.print(
        f"database {url}; {clients} clients, {runs} run(s) of {seconds:g} s per mode "
        f"after {warmup:g} s warm-up; {survey.answers_per_response} answers per response"
    )
    console.print(f"abuse limits raised for the benchmark's server: {bench.BENCH_LIMITS}")
    table = Table("mode", "run", "responses/s", "p50 ms", "p99 ms", "acknowledged", "stored", "other replies")

    def report(run: bench.Run) -> None:
        other = {k: v for k, v in run.result.statuses.items() if k not in (200, 201)}
        console.print(
            f"  {run.mode} run {run.number}: {run.result.rate:,.0f} responses/s, "
            f"p50 {run.result.percentile(50) * 1000:.1f} ms, p99 {run.result.percentile(99) * 1000:.1f} ms, "
            f"{len(run.result.acknowledged):,} acknowledged, {run.stored_responses:,} stored"
        )
        table.add_row(
            run.mode,
            str(run.number),
            f"{run.result.rate:,.0f}",
            f"{run.result.percentile(50) * 1000:.1f}",
            f"{run.result.percentile(99) * 1000:.1f}",
            f"{len(run.result.acknowledged):,}",
            f"{run.stored_responses:,}" + ("" if run.consistent else " MISMATCH"),
            ", ".join(f"{k}: {v}" for k, v in sorted(other.items()))
            + (f" broken: {run.result.failures}" if run.result.failures else ""),
        )

    options = {"runs": runs, "clients": clients, "seconds": seconds, "warmup": warmup, "report": report}
    modes = [True, False] if baseline else [True]
    results = {g: bench.run_mode(folder, url, survey, group_commit=g, **options) for g in modes}  # type: ignore[arg-type]
    console.print(table)
    summary = {}
    for group, done in results.items():
        rate = bench.median([r.result.rate for r in done])
        p50 = bench.median([r.result.percentile(50) * 1000 for r in done])
        p99 = bench.median([r.result.percentile(99) * 1000 for r in done])
        summary[group] = (rate, p50, p99)
        console.print(
            f"{'group commit' if group else 'baseline'} (median of {len(done)}): {rate:,.0f} responses/s, "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms"
        )
    if False in summary:
        (rate, _p50, p99), (base_rate, _b50, base_p99) = summary[True], summary[False]
        console.print(
            f"ratio group commit / baseline: {rate / base_rate:.2f}x responses/s, p99 {p99 / base_p99:.2f}x"
        )
    rate, _p50, p99 = summary[True]
    met = rate >= bench.TARGET_RATE and p99 <= bench.TARGET_P99_MS
    console.print(
        f"target >= {bench.TARGET_RATE:,.0f} responses/s with p99 <= {bench.TARGET_P99_MS:.0f} ms: "
        + ("[green]met[/green]" if met else "[red]not met[/red]")
    )
    if not all(r.consistent for done in results.values() for r in done):
        fail("the database does not hold exactly what was acknowledged")


@bench_app.command("import")
def bench_import(
    rows: Annotated[int, typer.Option(help="Responses in the file (ten answers each).")] = 1_000_000,
    clients: Annotated[
        int, typer.Option(help="Clients posting responses to the server meanwhile (0: none).")
    ] = 5,
    runs: Annotated[int, typer.Option(help="Imports of the file, each into the same fresh database.")] = 3,
) -> None:
    """Import a CSV of responses (NPS, eight moment emotions, a verbatim) with `nineplus import responses`
    while the public endpoint takes submissions; report time, peak memory and the submissions' latency
    (each run's, and the median)."""
    from nineplus.bench import importing
    from nineplus.core.registry import import_all_models

    import_all_models()
    console.print(f"writing {rows:,} responses ({rows * 10:,} answers) to a CSV file ...")
    prepared = importing.prepare(get_settings().data_dir, rows)
    size_mb = prepared.csv_path.stat().st_size / 1e6
    baseline = importing.parse_only(prepared.csv_path)
    console.print(
        f"file: {size_mb:,.0f} MB; baseline (csv module reading every row, nothing else): {baseline:.2f} s"
    )
    if clients > 0:
        from nineplus.bench.submit import BENCH_LIMITS

        console.print(f"abuse limits raised for the server the clients post to: {BENCH_LIMITS}")
    seconds, peaks, p99s = [], [], []
    for number in range(1, max(1, runs) + 1):
        importing.reset(prepared)
        run, load = importing.with_submissions(prepared, clients)
        stored, answers = importing.counts(prepared.url, prepared.survey.survey_id)
        if run.returncode != 0:
            console.print(run.output[-3000:])
            fail("the import failed")
        if stored != rows or answers != rows * 10:
            fail(f"run {number}: the database holds {stored:,} responses and {answers:,} answers, not all")
        seconds.append(run.seconds)
        peaks.append(run.peak_mb)
        line = (
            f"run {number}: {run.seconds:.1f} s ({rows / run.seconds:,.0f} responses/s, "
            f"{rows * 10 / run.seconds:,.0f} answers/s), peak memory {run.peak_mb:,.0f} MB; all rows stored"
        )
        if load is not None:
            other = {k: v for k, v in load.statuses.items() if k not in (200, 201)}
            p99s.append(load.percentile(99) * 1000)
            line += (
                f"; {clients} clients meanwhile: {len(load.latencies):,} answered, "
                f"p50 {load.percentile(50) * 1000:.0f} ms, p99 {p99s[-1]:.0f} ms"
                + (f", other replies {other}" if other else "")
            )
        console.print(line)
    median = statistics.median(seconds)
    console.print(
        f"median of {len(seconds)}: {median:.1f} s ({rows / median:,.0f} responses/s), peak memory at most "
        f"{max(peaks):,.0f} MB, {median / baseline:.1f}x the baseline"
        + (f"; submissions' p99 median {statistics.median(p99s):.0f} ms" if p99s else "")
    )
    met = median <= 15 and max(peaks) < 1536
    console.print(
        "target <= 15 s and < 1.5 GB for 1,000,000 responses: "
        + (
            "[green]met[/green]"
            if met and rows >= 1_000_000
            else "[red]not met[/red]"
            if rows >= 1_000_000
            else "(run with --rows 1000000 to judge)"
        )
    )


@bench_app.command("analytics")
def bench_analytics(
    responses: Annotated[
        int, typer.Option(help="Responses in the large run (each with NPS and 8 moment feelings).")
    ] = 10_000_000,
    small: Annotated[
        int, typer.Option(help="Responses in the small run reported beside it (0: none).")
    ] = 100_000,
    runs: Annotated[int, typer.Option(help="Timed runs per question; medians are reported.")] = 7,
    minimum: Annotated[int, typer.Option(help="The minimum n below which no score is shown.")] = 30,
    reuse: Annotated[
        bool,
        typer.Option(help="Reuse a database an earlier run of the same size loaded (skips the imports)."),
    ] = False,
) -> None:
    """Load a history through `nineplus import` and a full refresh into the analytic store, then time the
    dashboard set (warm) and an ad-hoc attribute query against pandas doing the same work; check that
    both give the same figures; report peak memory."""
    from nineplus.bench import analytics as bench

    sizes = [n for n in (small, responses) if n > 0]
    results = [_bench_analytics_size(bench, n, runs, minimum, reuse) for n in sizes]
    for size, outcome in zip(sizes, results, strict=True):
        console.print(f"[bold]{size:,} responses[/bold]: {outcome}")
    large = results[-1]
    if sizes[-1] >= 10_000_000:
        met = (
            large["set_ms"] <= 30
            and large["adhoc_s"] <= 0.3
            and large["set_ratio"] >= 5
            and large["adhoc_ratio"] >= 5
            and large["peak_mb"] < 4096
        )
        console.print(
            "targets at 10M (set <= 30 ms, ad-hoc <= 0.3 s, both >= 5x pandas, < 4 GB): "
            + ("[green]met[/green]" if met else "[red]not met[/red]")
        )


def _bench_analytics_size(bench, size: int, runs: int, minimum: int, reuse: bool) -> dict[str, float]:  # type: ignore[no-untyped-def]
    import json
    import sys

    from nineplus.analytics.truths import BOOTSTRAP

    folder = (get_settings().data_dir / "bench-analytics" / str(size)).resolve()
    console.print(f"[bold]{size:,} responses[/bold] into {folder}")
    loaded = folder / "loaded.json"
    if reuse and loaded.exists():
        kept = json.loads(loaded.read_text())
        total = kept.pop("import_s")
        setup = bench.Setup(folder, **kept)
        console.print(f"  reusing the database loaded earlier (its imports took {total:.1f} s)")
    else:
        setup = bench.prepare(folder, size)
        console.print(
            f"  writing {setup.persons:,} persons and {size:,} responses ({size * 9:,} answers) as CSV"
        )
        persons_file = bench.write_persons(setup)
        files = bench.write_responses(setup)
        step = bench.run_cli(setup, "import", "persons", str(persons_file), "--organisation", setup.slug)
        console.print(f"  nineplus import persons: {step.seconds:.1f} s, peak {step.peak_mb:,.0f} MB")
        total, peak = 0.0, 0.0
        for survey_id, path in files:
            step = bench.run_cli(setup, "import", "responses", str(path), "--survey", str(survey_id))
            total, peak = total + step.seconds, max(peak, step.peak_mb)
        console.print(f"  nineplus import responses ({len(files)} files): {total:.1f} s, peak {peak:,.0f} MB")
        kept = {k: v for k, v in vars(setup).items() if k != "folder"}
        loaded.write_text(json.dumps({**kept, "import_s": total}))
    options = {
        "store": str(folder / "analytics.duckdb"),
        "url": setup.url,
        "org": setup.organisation_id,
        "runs": runs,
        "seed": 7,
        "minimum": minimum,
        "export": str(folder / "export"),
    }
    timing = [sys.executable, "-m", "nineplus.bench.analytics_timing"]
    product_step = bench.run_child([*timing, "product", json.dumps(options)])
    ours = _result(product_step.output)
    theirs_step = bench.run_child([*timing, "pandas", json.dumps(options)])
    theirs = _result(theirs_step.output)
    digests = ("set_digest", "adhoc_digest", "truth_digest")
    if [ours[d] for d in digests] != [theirs[d] for d in digests]:
        fail("the product and the pandas baseline disagree on the figures")
    set_ms = statistics.median(ours["set_seconds"]) * 1000
    base_set_ms = statistics.median(theirs["set_seconds"]) * 1000
    adhoc_s = statistics.median(ours["adhoc_seconds"])
    base_adhoc_s = statistics.median(theirs["adhoc_seconds"])
    truth_s = statistics.median(ours["truth_seconds"])
    base_truth_s = statistics.median(theirs["truth_seconds"])
    console.print(
        f"  full refresh into the analytic store: {ours['refresh_seconds']:.1f} s "
        f"({ours['responses']:,} responses, {ours['score_rows']:,} score rows)\n"
        f"  dashboard set, warm (median of {runs}): {set_ms:.1f} ms; pandas {base_set_ms:.0f} ms "
        f"({base_set_ms / set_ms:.0f}x)\n"
        f"  ad-hoc attribute query (median of {runs}): {adhoc_s * 1000:.0f} ms; pandas "
        f"{base_adhoc_s * 1000:.0f} ms ({base_adhoc_s / adhoc_s:.1f}x)\n"
        f"  moments of truth, uncached (median of {runs}; {ours['truth_sampled']:,} of "
        f"{ours['truth_customers']:,} customers sampled, {BOOTSTRAP} bootstrap resamples): "
        f"{truth_s * 1000:.0f} ms; pandas {base_truth_s * 1000:.0f} ms ({base_truth_s / truth_s:.1f}x)\n"
        f"  peak memory: product {product_step.peak_mb:,.0f} MB (refresh, queries and export); pandas "
        f"{theirs_step.peak_mb:,.0f} MB (frames loaded in {theirs['load_seconds']:.1f} s)\n"
        "  the product and pandas give the same figures"
    )
    return {
        "set_ms": round(set_ms, 1),
        "set_ratio": round(base_set_ms / set_ms, 1),
        "adhoc_s": round(adhoc_s, 3),
        "adhoc_ratio": round(base_adhoc_s / adhoc_s, 1),
        "truth_s": round(truth_s, 3),
        "truth_ratio": round(base_truth_s / truth_s, 1),
        "peak_mb": round(product_step.peak_mb),
        "refresh_s": round(ours["refresh_seconds"], 1),
        "import_s": round(total, 1),
    }


def _result(output: str) -> dict:
    import json

    for line in output.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(f"no result in:\n{output[-3000:]}")


@bench_app.command("text")
def bench_text(
    verbatims: Annotated[int, typer.Option(help="Generated verbatims to analyse.")] = 200_000,
    processes: Annotated[int, typer.Option(help="Processes for the parallel run.")] = 2,
    runs: Annotated[int, typer.Option(help="Timed runs per side; medians are reported.")] = 3,
    embedding_sample: Annotated[
        int, typer.Option(help="Verbatims the embedding path encodes, where installed.")
    ] = 2_000,
) -> None:
    """The text pipeline's default path (language, lemmas, masking, sentiment with the learned model, theme)
    over generated verbatims, in parallel against one process; verbatims per second and peak memory."""
    from nineplus.bench import text as bench

    started = time.perf_counter()
    texts, langs, scores = bench.generate(verbatims)
    console.print(
        f"{len(texts):,} verbatims generated in {time.perf_counter() - started:.1f} s "
        f"({len(set(texts)):,} distinct, {sum(lang == 'en' for lang in langs):,} answered in English)"
    )
    started = time.perf_counter()
    models = bench.learned(texts, langs, scores)
    console.print(
        f"  models learned from 5,000 of them in {time.perf_counter() - started:.1f} s "
        f"(learned sentiment for {', '.join(sorted(models.learned)) or 'no language'})"
    )
    single = [bench.run(texts, langs, models, 1) for _ in range(runs)]
    parallel = [bench.run(texts, langs, models, processes) for _ in range(runs)]
    if any(r.analysed != len(texts) for r in single + parallel):
        fail("not every verbatim was analysed")
    one = statistics.median(r.seconds for r in single)
    many = statistics.median(r.seconds for r in parallel)
    console.print(
        f"  one process (median of {runs}): {one:.1f} s, {len(texts) / one:,.0f} verbatims/s\n"
        f"  {processes} processes (median of {runs}): {many:.1f} s, "
        f"[bold]{len(texts) / many:,.0f} verbatims/s[/bold] ({one / many:.1f}x)\n"
        f"  peak memory: {bench.peak_mb():,.0f} MB (the largest process)"
    )
    from nineplus.text import embeddings

    ready, why = embeddings.available()
    if not ready or embedding_sample <= 0:
        console.print(f"  embedding path: not measured ({why if not ready else 'no sample asked for'})")
        return
    sample = texts[: min(len(texts), embedding_sample)]
    embeddings.encode(sample[:64])  # loads the model
    started = time.perf_counter()
    embeddings.encode(sample)
    seconds = time.perf_counter() - started
    console.print(
        f"  embedding path (one process, {len(sample):,} verbatims, model loaded): "
        f"{len(sample) / seconds:,.0f} verbatims/s ({why})"
    )

"""What the token benchmark prints: the environment, the targets, the goals, and a profile."""

import statistics
import sys
import time

from bench.common import Target
from bench.seeding import Seed, in_process_client

# Issue 4's goals, with PostgreSQL and Redis (the production shape).
GOALS = {
    "ours_floor": 0.5,
    "ours_dot_plain": 5.0,
    "ours_dot_hashed": 150.0,
    "ours_p99_ms": 25.0,
    "pages_floor": 0.3,
}
# On the embedded default (SQLite, no Redis; --embedded): against django-oauth-toolkit tuned.
EMBEDDED_GOALS = {
    "ours_dot_tuned": 2.0,
    "ours_p99_ms": 50.0,
}


def print_environment(args, facts: dict[str, str]) -> None:
    print("Environment")
    for name, value in facts.items():
        print(f"  {name:<14} {value}")
    print()


def fmt(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def print_targets(targets: list[Target]) -> None:
    header = (
        "target",
        "path",
        "req/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "errors",
        "queries",
        "CPU ms/req",
    )
    rows = []
    for target in targets:
        runs = target.runs
        path = target.path if len(target.path) <= 34 else target.path[:31] + "..."
        rows.append(
            (
                target.label,
                path,
                fmt(statistics.median(run.rps for run in runs)),
                fmt(statistics.median(run.p50_ms for run in runs), 2),
                fmt(statistics.median(run.p99_ms for run in runs), 2),
                fmt(max(run.max_ms for run in runs), 1),
                str(sum(run.errors for run in runs)),
                target.queries,
                f"{statistics.median(run.server_cpu_ms for run in runs):.2f} + "
                f"{statistics.median(run.db_cpu_ms for run in runs):.2f}",
            )
        )
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print(
        "Targets (median over rounds; max and errors over all rounds; queries in-process;\n"
        "CPU time per answered request: gunicorn's processes + the database's backends)"
    )
    for n, row in enumerate([header, *rows]):
        cells = [
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  " + "  ".join(cells))
        if n == 0:
            print("  " + "  ".join("-" * width for width in widths))
    print()
    print("Per round, req/s (p99 ms)")
    for target in targets:
        per_round = "  ".join(f"{run.rps:8.1f} ({run.p99_ms:6.1f})" for run in target.runs)
        print(f"  {target.label:<34} {per_round}")
    print()


def ratio_rows(by_key: dict[str, Target], goals: dict[str, float]) -> list[tuple]:
    """(label, per-round values, goal text, pass) for each ratio goal of this configuration."""

    def ratios(numerator: str, denominator: str) -> list[float]:
        top, bottom = by_key[numerator].runs, by_key[denominator].runs
        return [a.rps / b.rps if b.rps else float("inf") for a, b in zip(top, bottom, strict=True)]

    rows = []
    for peer, label in (
        ("floor", "ours / floor"),
        ("dot_plain", "ours / DOT unhashed"),
        ("dot_hashed", "ours / DOT hashed"),
        ("dot_tuned", "ours / DOT tuned"),
    ):
        goal = goals.get(f"ours_{peer}")
        if goal is not None and {"ours", peer} <= by_key.keys():
            values = ratios("ours", peer)
            rows.append((label, values, f">= {goal:g}", statistics.median(values) >= goal))
    goal = goals.get("pages_floor")
    for key, target in by_key.items():
        if goal is not None and key.startswith("page_") and "floor" in by_key:
            values = ratios(key, "floor")
            rows.append(
                (
                    f"{target.label.removeprefix('page: ')} / floor",
                    values,
                    f">= {goal:g}",
                    statistics.median(values) >= goal,
                )
            )
    return rows


def print_goals(targets: list[Target], connections: int, embedded: bool = False) -> bool:
    goals = EMBEDDED_GOALS if embedded else GOALS
    by_key = {target.key: target for target in targets}
    lines = []
    for label, values, goal, ok in ratio_rows(by_key, goals):
        per_round = " ".join(f"{value:.2f}" for value in values)
        lines.append((label, f"{statistics.median(values):.2f}", per_round, goal, ok))
    if "ours" in by_key:
        p99s = [run.p99_ms for run in by_key["ours"].runs]
        p99 = statistics.median(p99s)
        per_round = " ".join(f"{value:.1f}" for value in p99s)
        goal = goals["ours_p99_ms"]
        lines.append(("ours p99 ms", f"{p99:.1f}", per_round, f"<= {goal:g}", p99 <= goal))
    errors = sum(run.errors for target in targets for run in target.runs)
    lines.append(("errors, all targets", str(errors), "", "= 0", errors == 0))
    pages = [target for target in targets if target.key.startswith("page_")]
    if pages:
        constant = all(len(set(target.queries.split(" -> "))) == 1 for target in pages)
        counts = ", ".join(target.queries for target in pages)
        lines.append(
            ("page queries constant", "yes" if constant else "no", counts, "yes", constant)
        )
    header = ("goal", "value", "per round", "target", "result")
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(4)]
    shape = "the embedded default" if embedded else "PostgreSQL and Redis"
    print(f"Goals on {shape} (ratios: median of the within-round ratios of req/s)")
    print(
        "  " + "  ".join(h.ljust(w) for h, w in zip(header[:4], widths, strict=True)) + "  result"
    )
    print("  " + "  ".join("-" * w for w in widths) + "  ------")
    for label, value, per_round, goal, ok in lines:
        cells = (
            label.ljust(widths[0]),
            value.rjust(widths[1]),
            per_round.ljust(widths[2]),
            goal.ljust(widths[3]),
        )
        print("  " + "  ".join(cells) + "  " + ("PASS" if ok else "MISS"))
    print()
    # What the goals allow on this machine: an endpoint can't beat the floor it runs on.
    for peer, label in (
        ("dot_plain", "DOT unhashed"),
        ("dot_hashed", "DOT hashed"),
        ("dot_tuned", "DOT tuned"),
    ):
        if {"floor", peer} <= by_key.keys():
            ceiling = statistics.median(
                floor.rps / other.rps if other.rps else float("inf")
                for floor, other in zip(by_key["floor"].runs, by_key[peer].runs, strict=True)
            )
            print(
                f"  ceiling: floor / {label} = {ceiling:.2f}, the ratio of an endpoint that cost "
                "no more than the floor"
            )
    if "ours" in by_key:
        print(
            f"  with {connections} connections, mean latency = {connections} / req/s: a p99 of "
            f"{goals['ours_p99_ms']:g} ms needs well over "
            f"{connections / goals['ours_p99_ms'] * 1000:.0f} req/s"
        )
    print()
    for target in targets:
        for n, run in enumerate(target.runs, 1):
            if run.errors:
                print(f"  errors: {target.label}, round {n}: {run.detail}")
    return all(line[4] for line in lines)


def profile(data: Seed, targets: list[Target], n: int, key: str) -> None:
    """Where a request's time goes, without the server: the Django test Client in this process."""
    import cProfile
    import pstats

    from django.conf import settings

    anonymous, member = in_process_client(), in_process_client()
    member.cookies[settings.SESSION_COOKIE_NAME] = data.session_key

    def requester(target: Target):
        client = member if target.cookie else anonymous
        if target.method == "POST":
            return lambda: client.post(
                target.path, target.body, content_type="application/x-www-form-urlencoded"
            )
        return lambda: client.get(target.path)

    print(f"In-process, {n} requests each (test Client; no gunicorn, no health check)")
    for target in targets:
        # DOT tuned differs from DOT unhashed only in its server's settings: there is none here.
        if target.key == "dot_hashed" or target.server == "tuned":
            continue
        send = requester(target)
        for _ in range(min(n, 50)):
            send()
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            send()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"  {target.label:<34} {wall / n * 1000:7.3f} ms wall  "
            f"{cpu / n * 1000:7.3f} ms CPU  per request"
        )
    chosen = next((target for target in targets if target.key == key), None)
    if chosen is None:
        return
    send = requester(chosen)
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(n):
        send()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    # Cumulative: which calls a request's time goes through; tottime: which functions spend it.
    for order, meaning in (
        ("cumulative", "sorted by cumulative time (the function and what it calls)"),
        ("tottime", "sorted by tottime (the function's own time, without what it calls)"),
    ):
        print()
        print(
            f"cProfile of {chosen.label}, CPU time, {n} requests, {meaning} "
            "(the profiler inflates Python-heavy parts)"
        )
        stats.sort_stats(order).print_stats(40)

"""One entry point for the benchmarks: `python -m benchmarks [name] [options]`.

    python -m benchmarks                      # scale: 1,000,000 documents (the default)
    python -m benchmarks scale --reuse        # measure the corpus already loaded
    python -m benchmarks corpus --documents 50000
    python -m benchmarks intake --count 2000
    python -m benchmarks all                  # every benchmark, one after the other

`python -m benchmarks NAME --help` lists a benchmark's options. `all` runs each with its
defaults (scale with --reuse), which takes a long time.
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "scale": "a million documents: lists, dashboard, document page, search, registration",
    "corpus": "only load the million-document corpus",
    "intake": "registration throughput against plain INSERTs",
    "dispatch": "a directive to every school of a large district",
    "pdf": "rendering and signing an outgoing document",
    "exchange": "the exchange hub under transient faults",
    "dashboard": "home pages and the handler's list at 100,000 documents",
    "load": "200 users for 5 minutes against gunicorn + an RQ worker (locust)",
}


def usage() -> str:
    lines = [__doc__.strip(), "", "benchmarks:"]
    lines += [f"  {name:<10} {what}" for name, what in BENCHMARKS.items()]
    lines.append(f"  {'all':<10} every one of them")
    return "\n".join(lines)


def run(name: str, argv: list[str]) -> None:
    module = importlib.import_module(f"benchmarks.{name}")
    module.main(argv)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["-h"], ["--help"], ["help"]):
        print(usage())
        return
    name = "scale"
    if argv and not argv[0].startswith("-"):
        name = argv.pop(0)
    if name == "all":
        for each in BENCHMARKS:
            if each == "corpus":
                continue
            print(f"\n=== {each} ===", flush=True)
            run(each, ["--reuse"] if each == "scale" else [])
        return
    if name not in BENCHMARKS:
        sys.exit(f"unknown benchmark {name!r}\n\n{usage()}")
    run(name, argv)


if __name__ == "__main__":
    main()

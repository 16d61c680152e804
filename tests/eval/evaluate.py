#!/usr/bin/env python3
"""Precision, recall and lead time of parcelwatch's detection on case files.

Runs `parcelwatchctl analyze --replay` (the daemon's codecs, rules and remedy
policy, walked through each history's time) over every case file given (or
every *.json in the folders given) and compares with what each case expects:

  "expect_raised": [{"kind", "not_before", "not_after"}, ...]
      every raise the reading expects, each within its window (RFC 3339);
      any other raise is a false alarm. Cases without it are not scored here.
  "expect": ["kind", ...]
      the exceptions open at as_of (the scenario corpus' field).

Prints, per exception kind: expected, raised, true/false positives, misses,
precision, recall and the median lead time (how long before the history's last
scan the warning came); then every disagreement, so each can be read.

Usage: evaluate.py [--ctl PATH] [-c CONFIG] [--lines FILE] [--strict] CASE_OR_FOLDER...
  --lines    score replay lines saved earlier (each with its "case") instead of running ctl
  --strict   exit 1 when anything disagrees (default: report only)
"""
import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))


def when(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def hours(seconds):
    return "%.1fh" % (seconds / 3600.0)


def case_files(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith(".json"))
        else:
            files.append(p)
    return files


def replay(ctl, config, files):
    r = subprocess.run([ctl, "-c", config, "analyze", "--replay"] + files,
                       capture_output=True, text=True)
    if r.stderr:
        sys.stderr.write(r.stderr)
    lines = defaultdict(list)
    for line in r.stdout.splitlines():
        o = json.loads(line)
        lines[o["case"]].append(o)
    return lines, r.returncode


class Score:
    def __init__(self):
        self.counts = defaultdict(lambda: [0, 0, 0])  # kind -> tp, fp, fn
        self.leads = defaultdict(list)
        self.notes = []

    def table(self, title, with_lead):
        print("\n%s" % title)
        print("%-18s %8s %8s %6s %6s %6s %10s %8s%s" % (
            "kind", "expected", "raised", "tp", "fp", "fn", "precision", "recall",
            "  median lead" if with_lead else ""))
        total = [0, 0, 0]
        for kind in sorted(self.counts):
            tp, fp, fn = self.counts[kind]
            total = [total[0] + tp, total[1] + fp, total[2] + fn]
            p = "%.2f" % (tp / (tp + fp)) if tp + fp else "-"
            r = "%.2f" % (tp / (tp + fn)) if tp + fn else "-"
            lead = ""
            if with_lead:
                lead = "  " + (hours(statistics.median(self.leads[kind])) if self.leads[kind] else "-")
            print("%-18s %8d %8d %6d %6d %6d %10s %8s%s" % (kind, tp + fn, tp + fp, tp, fp, fn, p, r, lead))
        tp, fp, fn = total
        print("%-18s %8d %8d %6d %6d %6d %10s %8s" % (
            "all", tp + fn, tp + fp, tp, fp, fn, "%.2f" % (tp / (tp + fp)) if tp + fp else "-",
            "%.2f" % (tp / (tp + fn)) if tp + fn else "-"))


def score_raises(case, lines, score):
    expected = sorted(case["expect_raised"], key=lambda e: e["not_before"])
    used = [False] * len(expected)
    for line in lines:
        if line["change"] != "raised":
            continue
        at = when(line["at"])
        match = None
        for i, e in enumerate(expected):
            if not used[i] and e["kind"] == line["kind"] and \
                    when(e["not_before"]) <= at <= when(e["not_after"]):
                match = i
                break
        if match is None:
            score.counts[line["kind"]][1] += 1
            score.notes.append("false alarm %-16s %s at %s: %s" % (
                line["kind"], case["_name"], line["at"], line.get("detail", "")))
        else:
            used[match] = True
            score.counts[line["kind"]][0] += 1
            if line.get("lead_time_s") is not None:
                score.leads[line["kind"]].append(line["lead_time_s"])
    for i, e in enumerate(expected):
        if not used[i]:
            score.counts[e["kind"]][2] += 1
            score.notes.append("missed      %-16s %s, expected between %s and %s" % (
                e["kind"], case["_name"], e["not_before"], e["not_after"]))


def score_open(case, lines, score):
    end = [l for l in lines if l["change"] == "end"]
    got = set(end[-1]["open"]) if end else set()
    expected = set(case["expect"])
    for kind in got | expected:
        if kind in got and kind in expected:
            score.counts[kind][0] += 1
        elif kind in got:
            score.counts[kind][1] += 1
            score.notes.append("open, not expected  %-16s %s" % (kind, case["_name"]))
        else:
            score.counts[kind][2] += 1
            score.notes.append("expected, not open  %-16s %s" % (kind, case["_name"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ctl", default=os.path.join(TOP, "build/daemon/parcelwatchctl"))
    ap.add_argument("-c", "--config", default=os.path.join(TOP, "conf/parcelwatch.toml"))
    ap.add_argument("--lines")
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()

    files = case_files(args.paths)
    if args.lines:
        lines, status = defaultdict(list), 0
        for line in open(args.lines, encoding="utf-8"):
            o = json.loads(line)
            lines[o["case"]].append(o)
    else:
        lines, status = replay(args.ctl, args.config, files)
    raises, opened = Score(), Score()
    scored_raises = scored_open = 0
    for f in files:
        case = json.load(open(f, encoding="utf-8"))
        case["_name"] = os.path.basename(f)
        if f not in lines:
            print("no answer for %s (see the errors above)" % f, file=sys.stderr)
            continue
        if "expect_raised" in case:
            score_raises(case, lines[f], raises)
            scored_raises += 1
        if "expect" in case:
            score_open(case, lines[f], opened)
            scored_open += 1
    if scored_raises:
        raises.table("Raises over time, %d cases (replay; a raise counts when it falls in its "
                     "expected window)" % scored_raises, True)
    if scored_open:
        opened.table("Open at as_of, %d cases" % scored_open, False)
    notes = raises.notes + opened.notes
    if notes:
        print("\nDisagreements (%d):" % len(notes))
        for n in notes:
            print("  " + n)
    if status != 0:
        print("parcelwatchctl exited %d" % status, file=sys.stderr)
        return 2
    return 1 if args.strict and notes else 0


if __name__ == "__main__":
    sys.exit(main())

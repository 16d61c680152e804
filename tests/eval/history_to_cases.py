#!/usr/bin/env python3
"""Turns published tracking histories into analyzer case files, with the
expected raises a person's reading gives, for `evaluate.py`.

A history file is a JSON object with `events` ([{time: "YYYY-MM-DD HH:MM:SS",
text}], oldest first, China local time), `carrier_hint` (a Kuaidi100 company
code), `tracking_number` (or null), and optionally `format` + `raw` (the
aggregator's own answer: used as the case's response when it is a Kuaidi100
answer with data[] or a Kuaidiniao answer with Traces[], so its status codes
and area fields are read as the daemon would; otherwise a Kuaidi100 answer is
built from the events' time and text alone).

The readings file maps a history's number prefix ("012") to:
  dest: [province, city, district] or dest_country: "PT"   where it went
  raise: [[kind, scan], [kind, scan, "48h"], ...]          expected raises:
         at the scan's time (1-based, in events order), or that long after it
  as_of: "last+1h" (default) or "last+72h"                 how far to replay
  shipped_scan: N                                          shipped_at = scan N's time
                                                           (default: the first scan)

Usage: history_to_cases.py HISTORY_DIR READINGS.json OUT_DIR
"""
import datetime as dt
import json
import os
import re
import sys

ZONE = dt.timezone(dt.timedelta(hours=8))
TOLERANCE = dt.timedelta(hours=1)  # a raise may come this much after the reading's moment


def local(text):
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=ZONE)


def duration(text):
    total = dt.timedelta()
    for n, unit in re.findall(r"(\d+)([dhm])", text):
        total += {"d": dt.timedelta(days=int(n)), "h": dt.timedelta(hours=int(n)),
                  "m": dt.timedelta(minutes=int(n))}[unit]
    return total


def response_of(history, number, carrier):
    raw, fmt = history.get("raw"), history.get("format")
    if fmt == "kuaidi100" and isinstance(raw, dict) and isinstance(raw.get("data"), list):
        return "kuaidi100", raw
    if fmt == "kuaidiniao" and isinstance(raw, dict) and isinstance(raw.get("Traces"), list):
        return "kuaidiniao", raw
    data = [{"time": e["time"], "ftime": e["time"], "context": e["text"]}
            for e in reversed(history["events"])]
    return "kuaidi100", {"message": "ok", "nu": number, "ischeck": "0", "com": carrier,
                         "status": "200", "state": "0", "data": data}


def case_of(key, history, reading):
    events = history["events"]
    number = history.get("tracking_number") or "HIST%09d" % int(key)
    carrier = history["carrier_hint"]
    if "dest_country" in reading:
        dest = {"country": reading["dest_country"], "province": "", "city": ""}
    else:
        province, city, district = reading["dest"]
        dest = {"province": province, "city": city, "district": district}
    shipped = local(events[reading.get("shipped_scan", 1) - 1]["time"])
    last = local(events[-1]["time"])
    as_of = last + duration(reading.get("as_of", "last+1h").removeprefix("last+"))
    expect = []
    for item in reading.get("raise", []):
        kind, scan = item[0], item[1]
        at = local(events[scan - 1]["time"]) + (duration(item[2]) if len(item) > 2 else dt.timedelta())
        expect.append({"kind": kind, "not_before": (at - dt.timedelta(minutes=1)).isoformat(),
                       "not_after": (at + TOLERANCE).isoformat()})
    source, response = response_of(history, number, carrier)
    return {
        "about": key,
        "expect_raised": expect,
        "parcel": {"tracking_number": number, "carrier": carrier, "destination": dest,
                   "shipped_at": shipped.isoformat()},
        "as_of": as_of.isoformat(),
        "source": source,
        "response": response,
    }


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    histories, readings_file, out = sys.argv[1:]
    readings = json.load(open(readings_file, encoding="utf-8"))
    os.makedirs(out, exist_ok=True)
    written = 0
    for name in sorted(os.listdir(histories)):
        key = name[:3]
        if not name.endswith(".json") or key not in readings:
            continue
        history = json.load(open(os.path.join(histories, name), encoding="utf-8"))
        case = case_of(key, history, readings[key])
        with open(os.path.join(out, "%s-%s.json" % (key, history["carrier_hint"])), "w",
                  encoding="utf-8") as f:
            json.dump(case, f, ensure_ascii=False, indent=1)
        written += 1
    print("%d case files in %s" % (written, out), file=sys.stderr)


if __name__ == "__main__":
    main()

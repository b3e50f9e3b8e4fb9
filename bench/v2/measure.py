"""
Times the v2 handler the way bench/function.bench.ts times the v3 one: one call at a time, after
a warm-up, in a fresh interpreter whose stdout is /dev/null. Run with `python3 -u` so that every
log line is its own write(2), as every v3 line is (Lambda's Python runtime does not hold log lines
in a buffer either). Prints {"medianNs", "p99Ns", "timerNs"} on stderr.

usage: python3 -u measure.py <event.json text> <warm-up calls> <timed calls>
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from handler import handler  # noqa: E402


class Context:
    aws_request_id = "bench"
    function_name = "bench"


def main():
    event = json.loads(sys.argv[1])
    warmup, calls = int(sys.argv[2]), int(sys.argv[3])
    context = Context()
    first = handler(event, context)
    if first["statusCode"] != 200:
        raise SystemExit(f"unexpected status {first['statusCode']}: {first['body']}")
    for _ in range(warmup):
        handler(event, context)
    clock = time.perf_counter_ns
    samples = [0] * calls
    for index in range(calls):
        start = clock()
        handler(event, context)
        samples[index] = clock() - start
    timer = [0] * 10000
    for index in range(len(timer)):
        start = clock()
        timer[index] = clock() - start
    samples.sort()
    timer.sort()
    at = lambda values, q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    sys.stderr.write(json.dumps({"medianNs": at(samples, 0.5), "p99Ns": at(samples, 0.99), "timerNs": at(timer, 0.5)}) + "\n")


main()

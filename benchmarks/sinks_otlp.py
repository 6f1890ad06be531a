"""Caller cost of OTLP export: lite_logging's pipeline + OtlpHandler against the OpenTelemetry
SDK's own ``LoggingHandler`` + ``BatchLogRecordProcessor``, both with the same
``OTLPLogExporter`` into the same local receiver.

Usage (from the repository root, with ``pip install -e '.[otel-export]'``)::

    python benchmarks/sinks_otlp.py              # 7 interleaved repeats of 20,000 records
    python benchmarks/sinks_otlp.py --quick      # smoke run: 1 repeat, 2,000 records

The receiver is a separate process (an ``http.server`` decoding ``ExportLogsServiceRequest``
with opentelemetry-proto and counting log records), so its work does not share the GIL with
the callers. Each (library, repeat) runs in a fresh interpreter; runs are interleaved, the
order rotating each repeat, and the table shows medians. Workload, the same for both:
``logger.info("user %s logged in", i, extra={"user_id": i, "path": "/api/items"})``, 500
warm-up records first. Figures: **caller ns per call** (``perf_counter_ns`` around the
loop, on the logging thread), **end-to-end s** (loop start until the exporter has sent
everything: ``ll.flush()`` / ``force_flush()``), and **received / sent** at the receiver
(the SDK's processor drops what does not fit its 2,048-record queue).
"""

from __future__ import annotations

import argparse
import http.server
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

LIBS = ("lite", "sdk")
WARMUP = 500


def _receiver(port: int) -> None:
    """Serve OTLP/HTTP logs on 127.0.0.1:port; GET /count answers the records received."""
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
        ExportLogsServiceRequest,
        ExportLogsServiceResponse,
    )

    count = [0]
    lock = threading.Lock()
    ok = ExportLogsServiceResponse().SerializeToString()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            request = ExportLogsServiceRequest()
            request.ParseFromString(body)
            n = sum(len(sl.log_records) for rl in request.resource_logs for sl in rl.scope_logs)
            with lock:
                count[0] += n
            self._answer(ok, "application/x-protobuf")

        def do_GET(self) -> None:
            with lock:
                value, count[0] = count[0], (0 if self.path == "/reset" else count[0])
            self._answer(str(value).encode(), "text/plain")

        def _answer(self, payload: bytes, kind: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def _get(port: int, path: str) -> int:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
        return int(answer.read())


def _worker(lib: str, port: int, records: int) -> dict[str, Any]:
    endpoint = f"http://127.0.0.1:{port}/v1/logs"
    log = logging.getLogger("bench.otlp")
    log.setLevel(logging.INFO)
    log.propagate = False
    import lite_logging as ll

    if lib == "lite":
        queue_handler = ll.AsyncQueueHandler(
            handlers=[ll.OtlpHandler(endpoint=endpoint, service_name="bench")]
        )
        log.addHandler(queue_handler)

        def done() -> None:
            ll.flush()

        bind = ll.context(request_id="req-1", tenant="acme")
    else:
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
        from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
        from opentelemetry.sdk.resources import Resource

        provider = LoggerProvider(resource=Resource.create({"service.name": "bench"}))
        provider.add_log_record_processor(
            BatchLogRecordProcessor(OTLPLogExporter(endpoint=endpoint))
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            log.addHandler(LoggingHandler(logger_provider=provider))

        def done() -> None:
            provider.force_flush()

        bind = ll.context(request_id="req-1", tenant="acme")  # the SDK ignores it: same cost
    with bind:
        for i in range(WARMUP):
            log.info("user %s logged in", i, extra={"user_id": i, "path": "/api/items"})
        done()
        start = time.perf_counter_ns()
        for i in range(records):
            log.info("user %s logged in", i, extra={"user_id": i, "path": "/api/items"})
        caller = time.perf_counter_ns() - start
        done()
        end_to_end = (time.perf_counter_ns() - start) / 1e9
    return {"caller_ns": caller / records, "end_to_end_s": end_to_end}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--worker", choices=LIBS)
    parser.add_argument("--receiver", action="store_true")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if args.receiver:
        _receiver(args.port)
        return 0
    if args.worker:
        print(json.dumps(_worker(args.worker, args.port, args.records)))
        return 0
    if args.quick:
        args.repeat, args.records = 1, 2_000
    port = _free_port()
    script = str(Path(__file__).resolve())
    receiver = subprocess.Popen([sys.executable, script, "--receiver", "--port", str(port)])
    try:
        for _ in range(100):
            try:
                _get(port, "/count")
                break
            except OSError:
                time.sleep(0.05)
        runs: dict[str, list[dict[str, Any]]] = {lib: [] for lib in LIBS}
        for repeat in range(args.repeat):
            order = LIBS[repeat % 2 :] + LIBS[: repeat % 2]
            for lib in order:
                _get(port, "/reset")
                out = subprocess.run(
                    [sys.executable, script, "--worker", lib, "--port", str(port),
                     "--records", str(args.records)],
                    capture_output=True, text=True, check=True,
                    env={**os.environ, "PYTHONWARNINGS": "ignore"},
                )  # fmt: skip
                result = json.loads(out.stdout.strip().splitlines()[-1])
                time.sleep(0.2)  # let the last request land
                result["received"] = _get(port, "/count")
                result["sent"] = args.records + WARMUP
                runs[lib].append(result)
    finally:
        receiver.terminate()
        receiver.wait()
    medians = {
        lib: {
            key: statistics.median(r[key] for r in rs)
            for key in ("caller_ns", "end_to_end_s", "received", "sent")
        }
        for lib, rs in runs.items()
    }
    if args.json:
        print(json.dumps({"runs": runs, "medians": medians}))
        return 0
    names = {
        "lite": "lite_logging: AsyncQueueHandler + OtlpHandler",
        "sdk": "OTel SDK: LoggingHandler + BatchLogRecordProcessor",
    }
    print(f"{args.repeat} interleaved repeats, {args.records} records each, medians")
    print("| pipeline | caller ns/call | end-to-end s | received / sent |")
    print("| --- | ---: | ---: | ---: |")
    for lib in LIBS:
        m = medians[lib]
        print(
            f"| {names[lib]} | {m['caller_ns']:,.0f} | {m['end_to_end_s']:.2f} "
            f"| {m['received']:,.0f} / {m['sent']:,.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A local OTLP/HTTP logs receiver for tests: decodes what arrives with opentelemetry-proto."""

from __future__ import annotations

import gzip
import http.server
import socket
import threading
import zlib
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class OtlpReceiver:
    """An OTLP/HTTP receiver on 127.0.0.1 that keeps every decoded request.

    ``answers`` is a list of HTTP status codes to give the next requests (then 200).
    ``stop()`` closes the socket (a collector that is down); ``start()`` opens it again on
    the same port.
    """

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.requests: list[ExportLogsServiceRequest] = []
        self.answers: list[int] = []
        self.statuses: list[int] = []
        self._lock = threading.Lock()
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/logs"

    def start(self) -> OtlpReceiver:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                encoding = self.headers.get("Content-Encoding", "")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                with receiver._lock:
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    receiver.statuses.append(status)
                    if status == 200:
                        request = ExportLogsServiceRequest()
                        request.ParseFromString(body)
                        receiver.requests.append(request)
                payload = ExportLogsServiceResponse().SerializeToString() if status == 200 else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join()

    def log_records(self) -> list[tuple[Any, Any, Any]]:
        """Every received LogRecord as ``(resource, scope, log_record)``, in arrival order."""
        with self._lock:
            out = []
            for request in self.requests:
                for resource_logs in request.resource_logs:
                    for scope_logs in resource_logs.scope_logs:
                        for record in scope_logs.log_records:
                            out.append((resource_logs.resource, scope_logs.scope, record))
            return out

    def __enter__(self) -> OtlpReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def any_value(value: Any) -> Any:
    """A protobuf ``AnyValue`` as a Python value."""
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [any_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: any_value(kv.value) for kv in value.kvlist_value.values}
    return getattr(value, kind)


def attributes(kvs: Any) -> dict[str, Any]:
    """Protobuf ``KeyValue`` list as a dict."""
    return {kv.key: any_value(kv.value) for kv in kvs}


class GrpcOtlpReceiver:
    """An OTLP/gRPC receiver on 127.0.0.1: a grpcio server running opentelemetry-proto's
    ``LogsServiceServicer``, keeping every request it accepted.

    The same interface as :class:`OtlpReceiver`: ``answers`` is a list of gRPC status code
    names (``"UNAVAILABLE"``) to give the next requests (then ``"OK"``); ``stop()`` shuts the
    server down (a collector that is down), ``start()`` serves again on the same port.
    """

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.requests: list[ExportLogsServiceRequest] = []
        self.answers: list[str] = []
        self.statuses: list[str] = []
        self._lock = threading.Lock()
        self._server: Any = None

    @property
    def endpoint(self) -> str:
        """The URL the gRPC exporter takes: ``http://`` for a plaintext channel."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> GrpcOtlpReceiver:
        from concurrent import futures

        import grpc
        from opentelemetry.proto.collector.logs.v1 import logs_service_pb2_grpc

        receiver = self

        class Servicer(logs_service_pb2_grpc.LogsServiceServicer):  # type: ignore[misc]
            def Export(self, request: ExportLogsServiceRequest, context: Any) -> Any:  # noqa: N802 - the service's name
                with receiver._lock:
                    status = receiver.answers.pop(0) if receiver.answers else "OK"
                    receiver.statuses.append(status)
                    if status == "OK":
                        receiver.requests.append(request)
                if status != "OK":
                    context.abort(getattr(grpc.StatusCode, status), f"test answer {status}")
                return ExportLogsServiceResponse()

        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        logs_service_pb2_grpc.add_LogsServiceServicer_to_server(Servicer(), server)
        if server.add_insecure_port(f"127.0.0.1:{self.port}") == 0:
            raise OSError(f"cannot bind 127.0.0.1:{self.port}")
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop(grace=None).wait()

    log_records = OtlpReceiver.log_records

    def __enter__(self) -> GrpcOtlpReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""A minimal OTLP/HTTP trace receiver for local runs: accepts what the services'
standard OTLP exporters send to ``/v1/traces`` (protobuf) and appends one JSON line
per span to a file, so a developer (and the e2e test) can follow one registration
across services. In production, point OTEL_EXPORTER_OTLP_ENDPOINT at a collector.

Usage: python tracesink.py 127.0.0.1:4318 .local/traces/spans.jsonl
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (ExportTraceServiceRequest,
                                                                        ExportTraceServiceResponse)

LOCK = threading.Lock()


def spans(request: ExportTraceServiceRequest):
    for rs in request.resource_spans:
        service = next((a.value.string_value for a in rs.resource.attributes if a.key == "service.name"), "")
        for ss in rs.scope_spans:
            for s in ss.spans:
                yield {"service": service, "name": s.name, "trace_id": s.trace_id.hex(), "span_id": s.span_id.hex(),
                       "parent_span_id": s.parent_span_id.hex(), "kind": s.kind,
                       "start_ns": s.start_time_unix_nano, "end_ns": s.end_time_unix_nano,
                       "status": s.status.code}


class Handler(BaseHTTPRequestHandler):
    out: Path

    def do_POST(self):
        if self.path != "/v1/traces":
            self.send_error(404)
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        lines = [json.dumps(s) + "\n" for s in spans(request)]
        with LOCK, self.out.open("a") as f:
            f.writelines(lines)
        reply = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    host, port = sys.argv[1].rsplit(":", 1)
    Handler.out = Path(sys.argv[2])
    Handler.out.parent.mkdir(parents=True, exist_ok=True)
    print(f"tracesink: OTLP/HTTP on {host}:{port}, spans to {Handler.out}", flush=True)
    ThreadingHTTPServer((host, int(port)), Handler).serve_forever()

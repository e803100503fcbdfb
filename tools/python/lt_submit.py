#!/usr/bin/env python3
"""Submit recipe files to lttricks' run service from Python, as written (no message building).

Each FILE is sent unchanged as SubmitRunRequest.recipe_document; the server parses it with lt's
own parser. One JSON line per file on stdout:
  accepted: {"file", "ok": true, "run_id", "stages": [{"name", "type", "epochs"}], "message"}
  refused:  {"file", "ok": false, "code", "message", "reason", "fields": [{"field", "description"}]}
reason and fields come from the refusal's google.rpc details (ErrorInfo, BadRequest).

Stubs: generate them once from the repository's protos (protoc 3.15 or newer, with the gRPC Python
plugin; Debian: protobuf-compiler, protobuf-compiler-grpc, python3-grpcio, python3-protobuf):
  protoc -I proto/src/main/proto -I GOOGLE_PROTOS --python_out=STUBS --grpc_python_out=STUBS \
      --plugin=protoc-gen-grpc_python=$(which grpc_python_plugin) \
      proto/src/main/proto/lttricks/v1/*.proto GOOGLE_PROTOS/google/rpc/status.proto \
      GOOGLE_PROTOS/google/rpc/error_details.proto
where GOOGLE_PROTOS holds google/rpc/{status,error_details}.proto (from googleapis, or the
proto-google-common-protos jar the build downloads). Then:
  PYTHONPATH=STUBS tools/python/lt_submit.py --server localhost:50051 --dry-run recipes/*.yaml
"""
import argparse
import json
import sys

import grpc

from google.rpc import error_details_pb2, status_pb2
from lttricks.v1 import runs_pb2, runs_pb2_grpc


def details(error):
    """The refusal's reason and field violations, from its grpc-status-details-bin trailer."""
    reason, fields = None, []
    for key, value in error.trailing_metadata() or ():
        if key != "grpc-status-details-bin":
            continue
        status = status_pb2.Status.FromString(value)
        for any_detail in status.details:
            if any_detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                any_detail.Unpack(info)
                reason = info.reason
            elif any_detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                any_detail.Unpack(bad)
                fields += [{"field": v.field, "description": v.description} for v in bad.field_violations]
    return reason, fields


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("files", nargs="+", metavar="FILE", help="recipe files (YAML or JSON), sent as they are")
    p.add_argument("--server", required=True, help="the run service, HOST:PORT")
    p.add_argument("--token", help="bearer token, where the server takes tokens")
    p.add_argument("--dry-run", action="store_true", help="check and resolve only; nothing starts")
    a = p.parse_args()
    channel = grpc.insecure_channel(a.server)
    runs = runs_pb2_grpc.RunServiceStub(channel)
    metadata = [("authorization", "Bearer " + a.token)] if a.token else None
    refused = 0
    for path in a.files:
        with open(path, encoding="utf-8") as f:
            document = f.read()
        request = runs_pb2.SubmitRunRequest(recipe_document=document, dry_run=a.dry_run)
        try:
            run = runs.Submit(request, metadata=metadata, timeout=60)
            out = {"file": path, "ok": True, "run_id": run.run_id, "message": run.message,
                   "stages": [{"name": s.name, "type": s.type, "epochs": s.total} for s in run.stages]}
        except grpc.RpcError as e:
            refused += 1
            reason, fields = details(e)
            out = {"file": path, "ok": False, "code": e.code().name, "message": e.details(), "reason": reason,
                   "fields": fields}
        print(json.dumps(out), flush=True)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())

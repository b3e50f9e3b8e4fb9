"""
The v2 service's Lambda handler, rebuilt from its contract (issue 2) for `npm run bench`: v2's own
source is not in this repository. It does the work v2 did per POST / request, in the idiomatic
Python a v2 handler was written in: decode the body, parse JSON, greet, serialise the envelope
with v2's six headers, and write one JSON log line per request (the v3 line's fields; v2 itself
logged the whole event, which would only make it slower).
"""

import base64
import json
import os
import sys
import time
from datetime import datetime, timezone

VERSION = os.environ.get("VERSION", "dev-manual")
SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "agnostic-lambda-core")
HEADERS = {
    "Content-Type": "application/json",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache, no-store, must-revalidate, proxy-revalidate",
    "Pragma": "no-cache",
    "Expires": "0",
}


def respond(status, body):
    return {"statusCode": status, "headers": dict(HEADERS), "body": json.dumps(body)}


def handler(event, context):
    started = time.perf_counter()
    http = event.get("requestContext", {}).get("http", {})
    method = http.get("method", "GET")
    path = event.get("rawPath", "/")
    try:
        if path != "/":
            response = respond(404, {"error": "Not Found", "path": path, "version": VERSION})
        else:
            body = event.get("body") or "{}"
            if event.get("isBase64Encoded"):
                body = base64.b64decode(body).decode("utf-8")
            payload = json.loads(body)
            user = payload.get("user", "Pilot")
            result = {
                "message": f"Hello {user}! All OK!",
                "status": "works",
                "subsystem": "agnostic-core-v2",
            }
            response = respond(
                200,
                {
                    "version": VERSION,
                    "status": "success",
                    "message": "Request processed successfully.",
                    "result": result,
                },
            )
    except json.JSONDecodeError as error:
        response = respond(400, {"error": "Invalid JSON input", "details": str(error), "version": VERSION})
    except Exception:  # noqa: BLE001 - v2 answered every other failure with a generic 500
        response = respond(
            500,
            {"error": "Internal Server Error", "details": "The request could not be processed.", "version": VERSION},
        )
    sys.stdout.write(
        json.dumps(
            {
                "level": "INFO",
                "message": "request",
                "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                "service": SERVICE,
                "requestId": getattr(context, "aws_request_id", "-"),
                "method": method,
                "path": path,
                "status": response["statusCode"],
                "durationMs": round((time.perf_counter() - started) * 1000, 3),
                "version": VERSION,
            }
        )
        + "\n"
    )
    return response

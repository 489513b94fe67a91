"""A loopback stand-in for AWS Secrets Manager (GetSecretValue, UpdateSecret), so tap-exactonline,
which keeps its tokens there, can run against the sandbox by configuration only
(AWS_ENDPOINT_URL_SECRETS_MANAGER).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeSecretsManager:
    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.calls: list[str] = []
        store = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                target = self.headers.get("X-Amz-Target", "").split(".")[-1]
                body = json.loads(
                    self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}"
                )
                store.calls.append(target)
                name = str(body.get("SecretId", ""))
                if target == "GetSecretValue" and name in store.secrets:
                    answer: dict[str, Any] = {
                        "ARN": f"arn:bench:{name}",
                        "Name": name,
                        "SecretString": store.secrets[name],
                        "VersionId": "1",
                    }
                    status = 200
                elif target in ("UpdateSecret", "PutSecretValue"):
                    store.secrets[name] = str(body.get("SecretString", ""))
                    answer, status = (
                        {"ARN": f"arn:bench:{name}", "Name": name, "VersionId": "2"},
                        200,
                    )
                else:
                    answer = {"__type": "ResourceNotFoundException", "message": "no such secret"}
                    status = 400
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def put(self, name: str, value: dict[str, Any]) -> None:
        self.secrets[name] = json.dumps(value)

    def start(self) -> FakeSecretsManager:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

#!/ usr / bin / env python3
"""A scripted HTTP(S) server for the sink tests: records every request as one JSON
line in --log and answers by path. Prints its port on the first line of stdout.

  /ok                        200 {"ok":true}
  /status/<code>             <code>
  /flaky/<name>/<n>/<code>   <code> for the first <n> requests to this path, then 200
  /retry-after/<name>/<v>    503 with Retry-After: <v> once, then 200
  /slow/<ms>                 waits <ms>, then 200
  /redirect                  302 to /ok
  /close                     200 with Connection: close
  /interim/<n>/<code>        <n> interim 103 Early Hints answers, then <code> with body
                             {"n": how many requests this path has had}
  /cut-body/<code>/<ms>      <code> announcing a 100-byte body, 10 bytes of it, then after
                             <ms> the connection closed
  /provider/apidata.php      a fake of the provider's subscription API (api_key
                             "test-api-key"; action subscribe_customer or
                             unsubscribe_customer), answering as its docs say
"""
import argparse, json, ssl, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

counts = {}
lock = threading.Lock()
subscriptions = set()  # (hookUrl, type_request) of the fake provider
provider_types = {"customer_created", "customer_status_change", "project_email_sent",
                  "project_sms_sent", "published_proposal_link", "recent_draft_project"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, code, body=b'{"ok":true}', headers=()):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace")
        route = self.path.split("?")[0]  # counted per path, whatever the query
        with lock:
            counts[route] = counts.get(route, 0) + 1
            seen = counts[route]
            with open(args.log, "a") as f:
                f.write(json.dumps({"t": time.time(), "method": self.command, "path": self.path,
                                    "client_port": self.client_address[1],
                                    "headers": dict(self.headers),
                                    "header_list": [[k, v] for k, v in self.headers.items()],
                                    "body": body}) + "\n")
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts[0] == "provider":
            return self.provider(body)
        if parts[0] == "status":
            return self.answer(int(parts[1]), b'{"error":"scripted"}')
        if parts[0] == "flaky":
            return self.answer(int(parts[3]) if seen <= int(parts[2]) else 200)
        if parts[0] == "retry-after":
            if seen == 1:
                return self.answer(503, b"busy", [("Retry-After", parts[2])])
            return self.answer(200)
        if parts[0] == "slow":
            time.sleep(int(parts[1]) / 1000)
            return self.answer(200)
        if parts[0] == "redirect":
            return self.answer(302, b"", [("Location", "/ok")])
        if parts[0] == "interim":
            for _ in range(int(parts[1])):
                self.send_response_only(103)
                self.send_header("Link", "</style.css>; rel=preload")
                self.end_headers()
            return self.answer(int(parts[2]), json.dumps({"n": seen}).encode())
        if parts[0] == "cut-body":
            self.send_response(int(parts[1]))
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            time.sleep(int(parts[2]) / 1000)
            self.close_connection = True
            return
        if parts[0] == "close":
            self.close_connection = True
            return self.answer(200, b"{}", [("Connection", "close")])
        return self.answer(200)

    def provider(self, body):
        from urllib.parse import parse_qs, urlparse
        q = parse_qs(urlparse(self.path).query)
        def say(code, ok, message):
            return self.answer(code, json.dumps({"success": ok, "message": message}).encode())
        if q.get("api_key", [""])[0] != "test-api-key":
            return say(401, False, "Invalid API key")
        try:
            req = json.loads(body)
        except ValueError:
            return say(400, False, "Invalid JSON")
        hook = req.get("hookUrl", "")
        action = q.get("action", [""])[0]
        with lock:
            if action == "subscribe_customer":
                if not hook.startswith("https://"):
                    return say(400, False, "hookUrl must be a public HTTPS URL")
                if req.get("type_request") not in provider_types:
                    return say(400, False, "Invalid type_request")
                subscriptions.add((hook, req["type_request"]))
                return say(200, True, "Webhook subscribed successfully")
            if action == "unsubscribe_customer":
                gone = {s for s in subscriptions if s[0] == hook}
                if not gone:
                    return say(400, False, "No matching webhook found for this user")
                subscriptions.difference_update(gone)
                return say(200, True, "Webhook unsubscribed successfully")
        return say(400, False, "Unknown action")

    do_POST = do_PUT = do_PATCH = handle_any


p = argparse.ArgumentParser()
p.add_argument("--log", required=True)
p.add_argument("--cert")
p.add_argument("--key")
args = p.parse_args()
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
if args.cert:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()

"""The web app: the standard library only; devserver passes PORT."""
import http.server
import os

PAGE = b"""<!doctype html>
<link rel="stylesheet" href="/static/app.css">
<h1>Three processes, one devserver</h1>
"""


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass  # devserver logs every request already


http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Hello).serve_forever()

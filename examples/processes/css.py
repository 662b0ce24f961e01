"""A stand-in for tailwindcss --watch: it watches styles/ itself and writes
static/app.css from it whenever a stylesheet there changes."""
import os
import time


def build(sources):
    css = "".join(open(os.path.join("styles", name)).read() for name in sorted(sources))
    tmp = os.path.join("static", "app.css.tmp")
    with open(tmp, "w") as f:
        f.write("/* built by css.py */\n" + css)
    os.replace(tmp, os.path.join("static", "app.css"))


def state():
    return {name: os.stat(os.path.join("styles", name)).st_mtime_ns
            for name in os.listdir("styles") if name.endswith(".css")}


os.makedirs("static", exist_ok=True)
seen = None
while True:
    now = state()
    if now != seen:
        build(now)
        print(f"built static/app.css from {len(now)} stylesheet(s)", flush=True)
        seen = now
    time.sleep(0.2)

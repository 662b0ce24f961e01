"""A worker: no HTTP, it takes jobs from a queue (here, a clock)."""
import os
import time

queue = os.environ.get("QUEUE", "default")
print(f"worker up, taking jobs from the {queue} queue", flush=True)
n = 0
while True:
    time.sleep(5)
    n += 1
    print(f"job {n} done", flush=True)

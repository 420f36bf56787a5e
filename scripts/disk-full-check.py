#!/usr/bin/env python3
"""The embedded store on a disk that fills up, end to end (run by scripts/test.sh, as root).

Mounts a size-limited file system (a tmpfs; where that is refused, a loop-mounted ext4 file of fixed
size), starts the built server with its data folder there, and checks that:
  1. upserts are taken until the free space nears the floor, then refused with RESOURCE_EXHAUSTED
     (HTTP 429), reason DISK_FULL, naming the data folder; /readyz is 503 meanwhile;
  2. once room is freed, writes are taken again within 20 s, without a restart, and /readyz is 200;
  3. after the disk fills again and the process is killed (SIGKILL), a restart holds every
     acknowledged article;
  4. a graceful stop (SIGTERM) ends within 15 s.
Prints one line per step; exits non-zero on the first failure.

usage: disk-full-check.py WORK_DIR   (DISK_FULL_CHECK_LOOP=1 takes the loop-mounted file even where tmpfs works)
"""
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.path.join(ROOT, "src/Recommender.Server/bin/Release/net10.0/Recommender.Server.dll")
DISK_MB, FILLER_MB, FLOOR = 48, 16, "4m"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*args):
    return subprocess.run(args, capture_output=True, text=True)


def mount(mount_point, work):
    """A tmpfs of DISK_MB, or a loop-mounted ext4 file of that size; returns which."""
    os.makedirs(mount_point, exist_ok=True)
    forced_loop = os.environ.get("DISK_FULL_CHECK_LOOP") == "1"  # to check the fallback where tmpfs mounts work
    if not forced_loop and run("mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m", "tmpfs", mount_point).returncode == 0:
        return "tmpfs"
    image = os.path.join(work, "disk.img")
    with open(image, "wb") as f:
        f.truncate(DISK_MB << 20)
    if run("mkfs.ext4", "-q", "-F", image).returncode == 0 and run("mount", "-o", "loop", image, mount_point).returncode == 0:
        return "loop-mounted ext4 file"
    sys.exit(f"cannot mount a size-limited file system at {mount_point} (needs root): tmpfs and a loop device were both refused")


class Server:
    def __init__(self, data_dir, log):
        self.http = free_port()
        self.log = open(log, "ab")
        self.process = subprocess.Popen(
            ["dotnet", SERVER, "--port", str(free_port()), "--http-port", str(self.http), "--data-dir", data_dir,
             f"--Recommender:Embedded:MinFreeDiskSpace={FLOOR}", "--Recommender:Embedded:MemorySize=256m",
             "--Recommender:Engine:MinArticlesToFit=1000000"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if self.call("GET", "/v1/stats")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        sys.exit("the server did not start")

    def call(self, method, path, body=None):
        request = urllib.request.Request(f"http://127.0.0.1:{self.http}{path}", method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        started = time.time()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()
            sys.exit("FAILED: a graceful stop did not end within 15 s")
        return time.time() - started


WORDS = [f"w{i}" for i in range(4000)]


def fill(server, acknowledged, first_id):
    """Upserts batches of 100 articles until one is refused; returns the refusal."""
    rnd = random.Random(first_id)
    n = first_id
    while True:
        batch = [{"id": f"a-{i}", "title": f"Report {i} " + " ".join(rnd.choices(WORDS, k=6)),
                  "body": " ".join(rnd.choices(WORDS, k=400)), "section": f"s{i % 5}"} for i in range(n, n + 100)]
        status, body = server.call("POST", "/v1/articles", {"articles": batch})
        if status != 200:
            return status, body, n
        acknowledged.extend(a["id"] for a in batch)
        n += 100
        if n - first_id > 100_000:
            sys.exit("FAILED: 100,000 articles were taken by a disk of 48 MB")


def stored_ids(server):
    ids, token = set(), ""
    while True:
        status, body = server.call("GET", f"/v1/articles?pageSize=10000&pageToken={token}")
        if status != 200:
            sys.exit(f"FAILED: ListArticles answered {status}: {body[:300]}")
        page = json.loads(body)
        ids.update(a["id"] for a in page.get("articles", []))
        token = page.get("nextPageToken", "")
        if not token:
            return ids


STARTED = time.time()


def say(text):
    print(f"[{time.time() - STARTED:5.1f} s] {text}", flush=True)


def check(condition, what):
    if not condition:
        sys.exit("FAILED: " + what)


def main():
    work = sys.argv[1]
    mount_point = os.path.join(work, "tiny")
    kind = mount(mount_point, work)
    try:
        data = os.path.join(mount_point, "data")
        filler = os.path.join(mount_point, "filler")
        with open(filler, "wb") as f:
            f.write(b"\0" * (FILLER_MB << 20))
        say(f"a {kind} of {DISK_MB} MB with {FILLER_MB} MB of filler; floor {FLOOR}")
        log = os.path.join(work, "disk-full-server.log")
        server = Server(data, log)
        acknowledged = []

        status, body, n = fill(server, acknowledged, 0)
        check(status == 429, f"the first refusal was HTTP {status}, not 429: {body[:300]}")
        error = json.loads(body)
        check(error["details"][0]["reason"] == "DISK_FULL", f"the refusal's reason: {body[:300]}")
        check(data in error["message"], f"the refusal does not name the data folder: {error['message']}")
        ready = server.call("GET", "/readyz")
        check(ready[0] == 503 and "Writes refused" in ready[1], f"/readyz while full: {ready}")
        say(f"1. {len(acknowledged)} articles acknowledged, then 429 DISK_FULL; /readyz 503: {ready[1].splitlines()[1][:120]}")

        os.remove(filler)
        deadline, taken = time.time() + 20, False
        while time.time() < deadline and not taken:
            batch = [{"id": f"after-room-{n}", "title": "After room was freed", "body": "Written once the filler was removed."}]
            taken = server.call("POST", "/v1/articles", {"articles": batch})[0] == 200
            if taken:
                acknowledged.append(f"after-room-{n}")
            else:
                time.sleep(0.5)
        check(taken, "writes did not come back within 20 s of room being freed")
        check(server.call("GET", "/readyz")[0] == 200, "/readyz is not 200 once room is back")
        say("2. room freed: writes taken again without a restart, /readyz 200")

        status, body, _ = fill(server, acknowledged, n + 1000)
        check(status == 429, f"the second refusal was HTTP {status}: {body[:300]}")
        server.kill()
        server = Server(data, log)
        stored = stored_ids(server)
        missing = [a for a in acknowledged if a not in stored]
        check(not missing, f"{len(missing)} acknowledged articles lost after kill -9 and a restart, e.g. {missing[:5]}")
        say(f"3. full again, killed (SIGKILL) and restarted: all {len(acknowledged)} acknowledged articles stored")

        seconds = server.stop()
        say(f"4. a graceful stop took {seconds:.1f} s")
        say(f"disk full: nothing acknowledged lost ({len(acknowledged)} articles), writes refused in time and taken again")
    finally:
        run("umount", "-l", mount_point)


if __name__ == "__main__":
    main()

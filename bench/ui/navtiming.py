#!/usr/bin/env python3
"""Navigation Timing of pages in headless Debian chromium, driven through Debian's chromedriver over
the W3C WebDriver protocol (plain HTTP: no Selenium, nothing to download).

    navtiming.py COOKIE_FILE URL [URL ...]

COOKIE_FILE holds the UI's session cookie value (empty: none is set). Each URL is loaded once, in
order, in one browser (so assets cached by an earlier load are cached for a later one, as for a
person clicking around); one JSON line per URL on standard output: times in ms from the start of
the navigation (responseStart, domInteractive, domContentLoadedEventEnd, loadEventEnd), bytes
(transferSize: on the wire incl. headers; encodedBodySize; decodedBodySize) and the page's number
of pill elements. A URL starting with "warm:" is loaded but not printed.
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urlsplit

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")

TIMING = """
const n = performance.getEntriesByType('navigation')[0];
return {responseStart: n.responseStart, domInteractive: n.domInteractive,
        domContentLoaded: n.domContentLoadedEventEnd, loadEventEnd: n.loadEventEnd,
        transferSize: n.transferSize, encodedBodySize: n.encodedBodySize,
        decodedBodySize: n.decodedBodySize,
        pills: document.querySelectorAll('[data-pill]').length};
"""


def call(base, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read() or b"null")["value"]


def main():
    cookie = open(sys.argv[1]).read().strip()
    urls = sys.argv[2:]
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    driver = subprocess.Popen([CHROMEDRIVER, f"--port={port}", "--allowed-ips=127.0.0.1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                call(base, "GET", "/status")
                break
            except OSError:
                time.sleep(0.05)
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--window-size=1280,900"]}}}}
        session = call(base, "POST", "/session", caps)["sessionId"]
        origins = set()
        try:
            for url in urls:
                quiet = url.startswith("warm:")
                url = url[5:] if quiet else url
                origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
                if cookie and origin not in origins:
                    # A cookie is set on the origin's page first (WebDriver's rule).
                    call(base, "POST", f"/session/{session}/url", {"url": origin + "/ui/sign-in"})
                    call(base, "POST", f"/session/{session}/cookie", {"cookie": {
                        "name": "selvedge_session", "value": cookie, "path": "/",
                        "httpOnly": True}})
                    origins.add(origin)
                call(base, "POST", f"/session/{session}/url", {"url": url})
                t = call(base, "POST", f"/session/{session}/execute/sync",
                         {"script": TIMING, "args": []})
                if not quiet:
                    t = {k: (round(v, 1) if isinstance(v, float) else v) for k, v in t.items()}
                    t["url"] = url
                    print(json.dumps(t), flush=True)
        finally:
            call(base, "DELETE", f"/session/{session}")
    finally:
        driver.terminate()
        driver.wait(10)


if __name__ == "__main__":
    main()

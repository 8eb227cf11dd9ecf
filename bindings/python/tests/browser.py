"""Headless chromium driven over the DevTools protocol, with a small hand-written WebSocket
client (the standard library has none): loads a page, records console messages, exceptions,
failed and external requests, checks the images, and screenshots page regions.

    with Browser() as b:
        page = b.load(Path("report.html"))
        page.problems          # console errors, exceptions, failed loads, requests to the network
        page.images            # [{id, complete, width, height, x, y, w, h}, ...] for every <img>
        b.screenshot(clip)     # PNG bytes of a region of the page (CSS pixels)
        b.resize(1920, 1080)   # another window width (CSS pixels)
        b.overflow("#answer-table")   # how far an element's content is wider than its box
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--hide-scrollbars", "--mute-audio", "--remote-debugging-port=0"]


class WebSocket:
    """A minimal RFC 6455 client: text frames, masking, fragmentation, ping/pong."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        assert url.startswith("ws://"), url
        hostport, _, path = url[5:].partition("/")
        host, _, port = hostport.partition(":")
        self.sock = socket.create_connection((host, int(port or 80)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                          .encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("websocket handshake: connection closed")
            head += chunk
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status:
            raise ConnectionError(f"websocket handshake failed: {status!r}")

    def _exact(self, n: int) -> bytes:
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            k = self.sock.recv_into(view[got:], n - got)
            if not k:
                raise ConnectionError("websocket closed")
            got += k
        return bytes(buf)

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def send(self, text: str) -> None:
        self._send_frame(0x1, text.encode())

    def recv(self) -> str:
        message = bytearray()
        while True:
            b0, b1 = self._exact(2)
            opcode, fin = b0 & 0x0F, b0 & 0x80
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._exact(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._exact(8))[0]
            mask = self._exact(4) if b1 & 0x80 else None
            payload = self._exact(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x9:  # ping
                self._send_frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise ConnectionError("websocket closed by the browser")
            if opcode in (0x0, 0x1, 0x2):
                message += payload
                if fin:
                    return message.decode()

    def close(self) -> None:
        try:
            self._send_frame(0x8, b"")
        except OSError:
            pass
        self.sock.close()


@dataclass
class Page:
    url: str
    title: str = ""
    problems: List[str] = field(default_factory=list)
    console: List[str] = field(default_factory=list)
    requests: List[str] = field(default_factory=list)
    images: List[Dict[str, Any]] = field(default_factory=list)
    figures: List[Dict[str, Any]] = field(default_factory=list)


class Browser:
    """One headless chromium with a fresh profile in a temporary directory."""

    def __init__(self, width: int = 1280, height: int = 900, timeout: float = 60.0) -> None:
        self.width, self.height, self.timeout = width, height, timeout
        self.profile = tempfile.mkdtemp(prefix="trede-chromium-")
        # chromium's own log goes to a file: a pipe nobody reads could fill up and block it.
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"chromium exited ({self.proc.returncode}): {self.log.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError("chromium did not open its DevTools port")
            time.sleep(0.05)
        port = int(port_file.read_text().splitlines()[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=timeout))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = WebSocket(page["webSocketDebuggerUrl"], timeout=timeout)
        self.next_id = 0
        self.events: List[Dict[str, Any]] = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def call(self, method: str, params: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params or {}}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, method: str, timeout: Optional[float] = None) -> Dict[str, Any]:
        deadline = time.monotonic() + (timeout or self.timeout)
        for i, e in enumerate(self.events):
            if e["method"] == method:
                return self.events.pop(i)
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                if msg["method"] == method:
                    return msg
                self.events.append(msg)
        raise TimeoutError(f"no {method} within the time limit")

    def evaluate(self, expression: str) -> Any:
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError(f"evaluating {expression[:60]!r}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def load(self, path: Path, settle: float = 0.5) -> Page:
        """Opens ``path`` and returns what happened: console messages, problems, images."""
        url = path.resolve().as_uri()
        self.events.clear()
        nav = self.call("Page.navigate", {"url": url})
        page = Page(url)
        if nav.get("errorText"):
            page.problems.append(f"navigation failed: {nav['errorText']}")
            return page
        self.wait_for("Page.loadEventFired")
        self.evaluate("new Promise(r => setTimeout(r, %d))" % int(settle * 1000))  # late console messages
        self.call("Runtime.evaluate", {"expression": "0"})  # flush pending events into self.events
        for e in self.events:
            m, p = e["method"], e.get("params", {})
            if m == "Runtime.consoleAPICalled":
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
                page.console.append(f"{p.get('type')}: {text}")
                if p.get("type") in ("error", "assert"):
                    page.problems.append(f"console.{p['type']}: {text}")
            elif m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                page.problems.append(f"exception: {d.get('exception', {}).get('description') or d.get('text')}")
            elif m == "Log.entryAdded":
                entry = p.get("entry", {})
                page.console.append(f"log {entry.get('level')}: {entry.get('text')}")
                if entry.get("level") == "error":
                    page.problems.append(f"log error: {entry.get('text')} {entry.get('url', '')}")
            elif m == "Network.requestWillBeSent":
                req = p.get("request", {}).get("url", "")
                page.requests.append(req)
                if not (req.startswith("data:") or req == url):
                    page.problems.append(f"request outside the page: {req}")
            elif m == "Network.loadingFailed":
                page.problems.append(f"loading failed: {p.get('errorText')} ({p.get('type')})")
        page.title = self.evaluate("document.title")
        page.images = self.evaluate("""Array.from(document.images).map(i => {
            const r = i.getBoundingClientRect();
            return {id: (i.closest('figure') || {}).id || '', complete: i.complete, width: i.naturalWidth,
                    height: i.naturalHeight, x: r.left + window.scrollX, y: r.top + window.scrollY,
                    w: r.width, h: r.height, alt: i.alt};
        })""")
        page.figures = self.evaluate("""Array.from(document.querySelectorAll('figure')).map(f => {
            const r = f.getBoundingClientRect();
            return {id: f.id, x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height};
        })""")
        return page

    def resize(self, width: int, height: int = 900) -> None:
        """Sets the window to ``width`` × ``height`` CSS pixels (the page lays itself out again)."""
        self.width, self.height = width, height
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    def overflow(self, selector: str) -> Dict[str, float]:
        """{scrollWidth, clientWidth} of the element ``selector`` (the document for "document"):
        scrollWidth > clientWidth means its content is cut off or scrolls sideways."""
        target = "document.documentElement" if selector == "document" else f"document.querySelector({json.dumps(selector)})"
        return self.evaluate(f"(() => {{ const e = {target}; if (!e) return null; "
                             "return {scrollWidth: e.scrollWidth, clientWidth: e.clientWidth}; })()")

    def screenshot(self, x: float, y: float, w: float, h: float) -> bytes:
        """PNG of a region of the page in CSS pixels (page coordinates, beyond the viewport too)."""
        r = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                  "clip": {"x": x, "y": y, "width": w, "height": h, "scale": 1}})
        return base64.b64decode(r["data"])

    def full_page(self) -> bytes:
        """PNG of the whole page (CSS pixels)."""
        w, h = self.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
        return self.screenshot(0, 0, w, h)

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def blank_fraction(png: bytes, box: Optional[Dict[str, float]] = None) -> float:
    """Share of the pixels of a PNG (or of the region ``box`` {x, y, w, h} of it) that have the
    most common colour: 1.0 means blank."""
    import io

    import numpy as np
    from PIL import Image
    im = Image.open(io.BytesIO(png)).convert("RGB")
    if box is not None:
        im = im.crop((round(box["x"]), round(box["y"]), round(box["x"] + box["w"]), round(box["y"] + box["h"])))
    a = np.asarray(im, dtype=np.uint32).reshape(-1, 3)
    if a.size == 0:
        return 1.0
    packed = (a[:, 0] << 16) | (a[:, 1] << 8) | a[:, 2]
    return float(np.bincount(packed).max() / packed.size)

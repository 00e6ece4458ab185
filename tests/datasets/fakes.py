"""Tiny dataset files in the real formats, and a local HTTP server that can misbehave on purpose."""

from __future__ import annotations

import gzip
import http.server
import io
import os
import struct
import tarfile
import threading

import numpy as np


def idx_bytes(arr: np.ndarray) -> bytes:
    codes = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D, np.float64: 0x0E}
    code = codes[arr.dtype.type]
    header = bytes([0, 0, code, arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape)
    return header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def write_idx(path, arr: np.ndarray, compress: bool = True) -> None:
    data = idx_bytes(arr)
    if compress:
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        with open(path, "wb") as f:
            f.write(data)


def make_mnist(folder, n_train=6, n_test=4, seed=0, compress=True) -> dict:
    """Write the four MNIST files into ``folder``; return the arrays."""
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    out = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        suffix = ".gz" if compress else ""
        write_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte{suffix}"), images, compress)
        write_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte{suffix}"), labels, compress)
        out[prefix] = (images, labels)
    return out


def cifar_records(images_hwc: np.ndarray, labels: np.ndarray) -> bytes:
    """Records: label byte(s), then the red, green and blue planes (row-major)."""
    planes = images_hwc.transpose(0, 3, 1, 2).reshape(len(images_hwc), -1)
    labels = labels.reshape(len(images_hwc), -1).astype(np.uint8)
    return np.concatenate([labels, planes], axis=1).astype(np.uint8).tobytes()


def make_cifar(folder, files: dict, label_bytes=1, num_classes=10, seed=0) -> dict:
    """Write ``{name: n_records}`` binary files into ``folder``; return ``{name: (images, labels)}``."""
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    out = {}
    for name, n in files.items():
        images = rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)
        if label_bytes == 1:
            labels = rng.integers(0, num_classes, size=(n, 1))
        else:
            labels = np.stack([rng.integers(0, 20, size=n), rng.integers(0, num_classes, size=n)], axis=1)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(cifar_records(images, labels))
        out[name] = (images, labels)
    return out


def tar_gz(path, members: dict) -> None:
    """Write a .tar.gz holding ``{archive_name: bytes}``."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


class FileServer:
    """Serve ``files`` (``{url_path: bytes}``) on 127.0.0.1 with HTTP Range support.

    Faults, consumed one per request: ``"drop:N"`` sends the headers for the
    whole body but only N bytes then closes; ``"500"`` answers 500;
    ``"norange"`` ignores a Range header; ``"corrupt"`` flips a byte.
    """

    def __init__(self, files: dict):
        self.files = dict(files)
        self.faults: list[str] = []
        self.requests: list[tuple[str, str | None]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                rng = self.headers.get("Range")
                server.requests.append((self.path, rng))
                fault = server.faults.pop(0) if server.faults else None
                data = server.files.get(self.path)
                if data is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if fault == "500":
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if fault == "corrupt":
                    data = bytes([data[0] ^ 0xFF]) + data[1:]
                start = 0
                if rng and fault != "norange":
                    start = int(rng.split("=")[1].split("-")[0])
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                if fault and fault.startswith("drop:"):
                    self.wfile.write(body[:int(fault[5:])])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

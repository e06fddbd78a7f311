"""Print how long signing and verifying take (B-B, B-T against a local TSA, verify), in process.

Run: .venv/bin/python bench/sign_verify.py   (needs the test extra: it uses tests/pki.py's throw-away CA)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from letter_pdf import sign, verify  # noqa: E402

import pki  # noqa: E402


def timed(func, repeat: int = 5) -> tuple[float, float]:
    first_start = time.perf_counter()
    func()
    first = time.perf_counter() - first_start
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        runs.append(time.perf_counter() - start)
    return first, statistics.median(runs)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        world = pki.make_world(Path(tmp))
        pdf = pki.sample_pdf()
        opts = sign.SignOptions(key=world.p12, passphrase=pki.PASSPHRASE)
        first, median = timed(lambda: sign.sign(pdf, opts, field_box=pki.SAMPLE_BOX))
        print(f"sign B-B, visible:   first {first * 1000:7.1f} ms (imports, font), then median {median * 1000:6.1f} ms")
        invisible = sign.SignOptions(key=world.p12, passphrase=pki.PASSPHRASE, visible=False)
        _, median = timed(lambda: sign.sign(pdf, invisible, field_box=None))
        print(f"sign B-B, invisible: median {median * 1000:6.1f} ms")
        with pki.LocalTSA(world.tsa, world.ca) as tsa:
            stamped = sign.SignOptions(key=world.p12, passphrase=pki.PASSPHRASE, timestamp_url=tsa.url)
            _, median = timed(lambda: sign.sign(pdf, stamped, field_box=pki.SAMPLE_BOX))
            print(f"sign B-T (local TSA): median {median * 1000:6.1f} ms")
        signed = Path(tmp) / "signed.pdf"
        signed.write_bytes(sign.sign_pdf(pdf, opts, field_box=pki.SAMPLE_BOX))
        first, median = timed(lambda: verify.verify_pdf(signed, trust=(world.ca_pem,)))
        print(f"verify with --trust: first {first * 1000:7.1f} ms, then median {median * 1000:6.1f} ms")
        print(f"size: unsigned {len(pdf)} B, signed {signed.stat().st_size} B "
              f"(+{signed.stat().st_size - len(pdf)} B: signature, field, subset font)")


if __name__ == "__main__":
    main()

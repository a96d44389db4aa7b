#!/usr/bin/env python3
"""Makes assets/fonts/NotoSansSC-subset.otf, the CJK font embedded for `--lang zh` charts.

It keeps, from Noto Sans CJK SC Regular (SIL Open Font License 1.1):
- ASCII and Latin-1 (U+0020-U+00FF), general punctuation (U+2000-U+206F), arrows and
  mathematical operators used in labels (U+2190-U+22FF), CJK symbols and punctuation
  (U+3000-U+303F) and full-width forms (U+FF00-U+FFEF);
- every character of GB2312 (levels 1 and 2: 6,763 hanzi, generated with Python's gb2312
  codec);
- every character of the Chinese message catalogue (src/i18n/zh/*.toml), so a message that
  uses a rarer character still has its glyph (a unit test checks it).

Usage (needs `pip install fonttools`; the source font comes from Debian's fonts-noto-cjk
package, `apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb x`, or the
NotoSansCJKsc-Regular.otf of the noto-cjk release):

    python3 scripts/subset-font.py path/to/NotoSansCJK-Regular.ttc [font-number]

The .ttc's font number 2 is the SC face (the default); for the SC .otf give 0.
"""

import glob
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "assets", "fonts", "NotoSansSC-subset.otf")


def gb2312_chars():
    out = []
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return out


def catalogue_chars():
    chars = set()
    for path in glob.glob(os.path.join(ROOT, "src", "i18n", "zh", "*.toml")):
        with open(path, encoding="utf-8") as f:
            chars.update(f.read())
    return {c for c in chars if ord(c) >= 0x20}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    src = sys.argv[1]
    number = sys.argv[2] if len(sys.argv) > 2 else ("2" if src.endswith(".ttc") else "0")
    chars = set(gb2312_chars()) | catalogue_chars()
    ranges = [
        (0x20, 0xFF),
        (0x2000, 0x206F),
        (0x2190, 0x22FF),
        (0x3000, 0x303F),
        (0xFF00, 0xFFEF),
    ]
    for a, b in ranges:
        chars.update(chr(c) for c in range(a, b + 1))
    unicodes = ",".join(f"U+{ord(c):04X}" for c in sorted(chars))
    subprocess.run(
        [
            "pyftsubset",
            src,
            f"--font-number={number}",
            f"--unicodes={unicodes}",
            f"--output-file={OUT}",
            "--layout-features=",
            "--no-hinting",
            "--name-IDs=*",
            "--name-languages=*",
            "--drop-tables+=VORG,vhea,vmtx,DSIG",
        ],
        check=True,
    )
    print(f"{OUT}: {os.path.getsize(OUT):,} bytes, {len(chars)} characters requested")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Differential fuzz of canvas parsing against Python's tomllib.

    .deps/venv/bin/python3 scripts/fuzz-canvas.py SEED COUNT SEED_FILE [--atlas .build/release/atlas]

tomllib needs Python 3.11 or later: .deps/venv (made by scripts/setup; 3.11 on Debian 12) has it,
and so does any python3 >= 3.11 on the PATH, which the shebang uses (`scripts/fuzz-canvas.py ...`).

Mutates SEED_FILE COUNT times (splicing TOML syntax, deleting runs, replacing characters), runs
`atlas canvas check` on each, and counts: crashes (any exit other than 0 or 1: toml++ inside
TOMLKit aborted on such input before `TOMLSyntax` checked it first), files tomllib accepts that
atlas calls "not valid TOML", and files tomllib rejects that atlas's syntax check lets through.
Failing inputs are kept under /tmp/atlas-fuzz/. Build first: swift build -c release.
"""
import os, random, subprocess, sys, tomllib
atlas = sys.argv[sys.argv.index("--atlas") + 1] if "--atlas" in sys.argv else ".build/release/atlas"
out = "/tmp/atlas-fuzz"
os.makedirs(out, exist_ok=True)
seed_text = open(sys.argv[3]).read()
pieces = ["[", "]", "{", "}", "=", "\"", "'''", '"""', ",", ".", "s", "k", "w", "\n", " ", "-1", "0", "99999999999", "1_000", "0x1F", "0o7", "0b1",
          "region = [0, 0, 0, 0]", "stamp = \"x\"", "at = [1]", "cell = [1, 2]", "class = \"\"", "[brushes]", "[settings]", "[[a]]",
          "size = 0", "é", "1e999", "nan", "[[", "]]", "#", "\\", "\\u00e9", "\\n", "'", "\t", "\r\n", "+", "inf", "1979-05-27", "07:32:00", "T",
          "1979-05-27T07:32:00Z", "true", "false", "3.14", "-0.0", "6e-3", "a.b", "\"q k\"", "x = 1\n", "{}", "[]", ", "]
rng = random.Random(int(sys.argv[1]))
stats = {"crash": 0, "false_reject": 0, "both_ok": 0, "both_bad": 0, "we_accept_toml_rejects": 0}
for i in range(int(sys.argv[2])):
    chars = list(seed_text)
    for _ in range(1 + rng.randrange(3)):
        at = rng.randrange(len(chars) + 1)
        op = rng.randrange(3)
        if op == 0: chars[at:at] = list(rng.choice(pieces))
        elif op == 1 and at < len(chars): del chars[at:at + 1 + rng.randrange(6)]
        elif at < len(chars): chars[at] = rng.choice(pieces)[0]
    text = "".join(chars)
    try:
        tomllib.loads(text); ok = True
    except Exception:
        ok = False
    path = f"{out}/d{sys.argv[1]}.canvas"
    open(path, "w", newline="").write(text)
    r = subprocess.run([atlas, "canvas", "check", path], capture_output=True, text=True, timeout=20)
    if r.returncode not in (0, 1):
        stats["crash"] += 1; open(f"{out}/dcrash-{sys.argv[1]}-{stats['crash']}.canvas", "w", newline="").write(text); continue
    rejected = "not valid TOML" in r.stderr
    if ok and rejected:
        stats["false_reject"] += 1
        open(f"{out}/dfalse-{sys.argv[1]}-{stats['false_reject']}.canvas", "w", newline="").write(text)
        print("FALSE REJECT:", r.stderr.strip().splitlines()[0][:200])
    elif ok: stats["both_ok"] += 1
    elif rejected: stats["both_bad"] += 1
    else: stats["we_accept_toml_rejects"] += 1; open(f"{out}/dlax-{sys.argv[1]}-{stats['we_accept_toml_rejects']}.canvas", "w", newline="").write(text)
print(stats)

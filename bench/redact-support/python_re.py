"""Applies each regex of a pattern file (one a line) to every line of a file, printing the result.

usage: python_re.py PATTERNS FILE

The Python re baseline of bench/redact: every pattern is a re.sub over each line, in file order,
replacing matches with <R>.
"""
import re
import sys


def main():
    with open(sys.argv[1], "rb") as handle:
        patterns = [re.compile(line.rstrip(b"\n")) for line in handle if line.strip() and not line.startswith(b"#")]
    out = sys.stdout.buffer
    with open(sys.argv[2], "rb") as source:
        for line in source:
            for pattern in patterns:
                line = pattern.sub(b"<R>", line)
            out.write(line)


if __name__ == "__main__":
    main()

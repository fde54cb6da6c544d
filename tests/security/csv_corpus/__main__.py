"""Write the corpus, built on the members file, to a folder: ``python -m tests.security.csv_corpus OUTDIR``."""

import sys
from pathlib import Path

from members.credit_code import check_character

from . import CASES, members_sample

STEM = "91320612MA1MCF8Y3"

MEMBERS = members_sample(STEM + check_character(STEM))


def main(folder: str) -> None:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for number, case in enumerate(CASES, start=1):
        content, _expected = case.build(MEMBERS)
        (out / f"{number:02d}-{case.name}.csv").write_bytes(content)
    sys.stdout.write(f"{len(CASES)} files written to {out}\n")


if __name__ == "__main__":
    main(sys.argv[1])

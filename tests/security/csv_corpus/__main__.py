"""Write the corpus, built on the members file, to a folder: ``python -m tests.security.csv_corpus OUTDIR``."""

import sys
from pathlib import Path

from members.credit_code import check_character

from . import CASES, Sample

STEM = "91320612MA1MCF8Y3"

MEMBERS = Sample(
    columns=[
        "credit_code",
        "name",
        "kind",
        "scale",
        "joined_on",
        "address",
        "chief_quality_officer",
        "left_on",
    ],
    row={
        "credit_code": STEM + check_character(STEM),
        "name": "南通丙家纺有限公司",
        "kind": "firm",
        "scale": "sme",
        "joined_on": "2024-03-01",
        "address": "江苏省南通市通州区",
        "chief_quality_officer": "王芳",
        "left_on": "",
    },
    text="name",
    date="joined_on",
)


def main(folder: str) -> None:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for number, case in enumerate(CASES, start=1):
        content, _expected = case.build(MEMBERS)
        (out / f"{number:02d}-{case.name}.csv").write_bytes(content)
    sys.stdout.write(f"{len(CASES)} files written to {out}\n")


if __name__ == "__main__":
    main(sys.argv[1])

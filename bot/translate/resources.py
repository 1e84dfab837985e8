"""Amazon Translate resources an edition owns: its parallel data (ACT) and its terminology.

``push_parallel_data`` uploads a TMX/CSV/TSV file to S3 and creates the parallel-data resource, or
updates it when it exists, then waits until the service has taken it in (``Status`` ``ACTIVE`` on
create; ``LatestUpdateAttemptStatus`` on update, since an updating resource stays ``ACTIVE`` with its
old data). ``terminology_csv`` turns d2l-zh's ``TERMINOLOGY.md`` (``中文，english`` lines) into the CSV
that ``ImportTerminology`` takes.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from bot.translate.base import EngineError

FORMATS = {".tmx": "TMX", ".csv": "CSV", ".tsv": "TSV"}
_TERM_LINE = re.compile(r"^\s*([^，,#|*>\s][^，]*?)\s*，\s*(.+?)\s*$")


@dataclass(frozen=True)
class PushResult:
    name: str
    operation: str  # created | updated
    s3_uri: str
    status: str
    imported: int | None
    skipped: int | None
    failed: int | None
    message: str = ""


def _aws(fn: Callable[[], dict[str, Any]], what: str) -> dict[str, Any]:
    try:
        return fn()
    except ClientError as e:
        err = e.response.get("Error", {})
        raise EngineError(f"{what}: {err.get('Code', 'error')}: {err.get('Message', e)}") from None
    except BotoCoreError as e:
        raise EngineError(f"{what}: {e}") from None


def push_parallel_data(path: Path, name: str, bucket: str, prefix: str = "amts/parallel-data",
                       session: boto3.Session | None = None, sleep: Callable[[float], None] = time.sleep,
                       poll_s: float = 5.0, timeout_s: float = 3600.0) -> PushResult:
    """Upload ``path`` and create or update parallel data ``name``; wait until it is usable."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise EngineError(f"{path}: parallel data must be .tmx, .csv or .tsv")
    if not path.is_file():
        raise EngineError(f"{path}: no such file")
    session = session or boto3.Session()
    s3, tr = session.client("s3"), session.client("translate")
    key = f"{prefix.strip('/')}/{name}{path.suffix.lower()}"
    _aws(lambda: s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes()), f"upload to s3://{bucket}/{key}")
    uri = f"s3://{bucket}/{key}"
    config = {"S3Uri": uri, "Format": fmt}
    try:
        tr.get_parallel_data(Name=name)
        exists = True
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise EngineError(f"GetParallelData {name}: {e}") from None
        exists = False
    if exists:
        _aws(lambda: tr.update_parallel_data(Name=name, ParallelDataConfig=config), f"UpdateParallelData {name}")
    else:
        _aws(lambda: tr.create_parallel_data(Name=name, ParallelDataConfig=config), f"CreateParallelData {name}")
    waited = 0.0
    while True:
        props = _aws(lambda: tr.get_parallel_data(Name=name), f"GetParallelData {name}")["ParallelDataProperties"]
        state = props.get("LatestUpdateAttemptStatus") if exists else props.get("Status")
        if state in ("ACTIVE", "FAILED"):
            break
        if waited >= timeout_s:
            raise EngineError(f"parallel data {name} still {state} after {timeout_s:.0f} s")
        sleep(poll_s)
        waited += poll_s
    prefix_ = "Latest" if exists else ""
    return PushResult(name, "updated" if exists else "created", uri, state,
                      props.get(f"{prefix_}ImportedRecordCount", props.get("ImportedRecordCount")),
                      props.get(f"{prefix_}SkippedRecordCount", props.get("SkippedRecordCount")),
                      props.get(f"{prefix_}FailedRecordCount", props.get("FailedRecordCount")),
                      props.get("Message", ""))


def terminology_pairs(markdown: str) -> list[tuple[str, str]]:
    """(english, translation) pairs from ``中文，english`` lines (d2l-zh ``TERMINOLOGY.md``)."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for line in markdown.splitlines():
        m = _TERM_LINE.match(line)
        if m and m.group(2).strip() and m.group(2).lower() not in seen:
            seen.add(m.group(2).lower())
            pairs.append((m.group(2).strip(), m.group(1).strip()))
    return pairs


def terminology_csv(pairs: list[tuple[str, str]], src_lang: str, lang: str) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([src_lang, lang])
    writer.writerows(pairs)
    return buf.getvalue().encode("utf-8")


def import_terminology(path: Path, name: str, lang: str, src_lang: str = "en",
                       session: boto3.Session | None = None) -> tuple[int, dict[str, Any]]:
    """Import the edition's term list as custom terminology ``name`` (overwriting). Returns (terms, props)."""
    if not path.is_file():
        raise EngineError(f"{path}: no such file")
    pairs = terminology_pairs(path.read_text(encoding="utf-8"))
    if not pairs:
        raise EngineError(f"{path}: no `中文，english` term lines found")
    tr = (session or boto3.Session()).client("translate")
    data = {"File": terminology_csv(pairs, src_lang, lang), "Format": "CSV", "Directionality": "UNI"}
    props = _aws(lambda: tr.import_terminology(Name=name, MergeStrategy="OVERWRITE", TerminologyData=data),
                 f"ImportTerminology {name}")["TerminologyProperties"]
    return len(pairs), props

"""Reading the state's public text files: encodings, delimiters, columns by name, numbers and codes.

The state's files are Windows-1252 (a UTF-8 file is recognised too), with CRLF or LF line ends;
the delimiter (comma, caret ``^`` or tab) is read from the header line.  Suppressed cells (``*``)
and blank or all-space cells become missing values.  A file whose header is not one a reader
knows raises :class:`PublicFileLayoutError`, naming the columns expected and those found.
"""
from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Union

import pandas as pd

from flp_inquiry.errors import FlpInquiryError, InputDataError, Problem

#: What the readers accept: a path, the file's bytes, or an open binary or text file.
Source = Union[str, os.PathLike, bytes, IO[bytes], IO[str]]

_CODE_WIDTHS = {"county_code": 2, "district_code": 5, "school_code": 7}
_SUPPRESSED = "*"
class PublicFileLayoutError(FlpInquiryError):
    """A state file's header is not a layout this reader knows.

    >>> print(PublicFileLayoutError("x.txt", "CAASPP entities", ["Type ID"], ["County Code", "Typ"]))
    x.txt is not a CAASPP entities file in a layout this reader knows: missing column(s) 'Type ID'; the header has: 'County Code', 'Typ'
    """

    def __init__(self, file: str, kind: str, missing: Sequence[str], found: Sequence[str], detail: str = ""):
        self.file, self.kind = file, kind
        self.missing, self.found = list(missing), list(found)
        text = (
            f"{file} is not a {kind} file in a layout this reader knows: "
            f"missing column(s) {', '.join(repr(c) for c in self.missing)}; "
            f"the header has: {', '.join(repr(c) for c in self.found)}"
        )
        if detail:
            text += f". {detail}"
        super().__init__(text)


# --------------------------------------------------------------------------- reading text


@dataclass(frozen=True)
class _OpenedFile:
    """A state file ready for pandas: what to read, how it is encoded, its header."""

    name: str
    readable: object  # a path or a buffer pandas can read
    encoding: str | None
    delimiter: str
    header: list[str]


def _name_of(source: Source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name
    return getattr(source, "name", None) or "the file given"


def _guess_encoding(sample: bytes) -> str:
    """UTF-8 when the bytes are valid UTF-8 with something beyond ASCII, else Windows-1252.

    The state writes Windows-1252; a file re-saved as UTF-8 would otherwise turn ``ñ`` into ``Ã±``.
    """
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the end of the sample is still UTF-8.
        truncated = error.start >= len(sample) - 3 and error.reason == "unexpected end of data"
        return "utf-8-sig" if truncated else "cp1252"
    return "cp1252" if sample.isascii() else "utf-8-sig"


def _open_state_file(source: Source) -> _OpenedFile:
    """Find a state file's encoding, delimiter and header without reading all of it."""
    name = _name_of(source)
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(bytes(source))
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise InputDataError([Problem(name, None, None, None, f"no such file: {path}")])
        with path.open("rb") as handle:
            sample = handle.read(1 << 20)
        readable: object = path
        encoding: str | None = _guess_encoding(sample)
        first_line = sample.decode(encoding, errors="replace").splitlines()[:1]
    elif isinstance(source, io.TextIOBase) or isinstance(getattr(source, "read", lambda n: b"")(0), str):
        text = source.read()
        readable, encoding = io.StringIO(text), None
        first_line = text.splitlines()[:1]
    else:
        data = source.read()
        encoding = _guess_encoding(data[: 1 << 20])
        readable = io.BytesIO(data)
        first_line = data[: 1 << 16].decode(encoding, errors="replace").splitlines()[:1]
    if not first_line or not first_line[0].strip():
        raise InputDataError([Problem(name, 1, None, None, "the file is empty: there is no header line")])
    header_line = first_line[0].lstrip("\ufeff")
    # The delimiter is whichever of the state's three the header uses.
    delimiter = next((d for d in ("^", "\t", ",") if d in header_line), ",")
    header = next(csv.reader([header_line], delimiter=delimiter))
    return _OpenedFile(name, readable, encoding, delimiter, [column.strip() for column in header])


def _normalise_name(column: str) -> str:
    """A column name for matching: spaces collapsed, case ignored (``Type Id`` = ``Type ID``)."""
    return " ".join(column.split()).casefold()


def _find_columns(found: Sequence[str], wanted: Mapping[str, Sequence[str]]) -> tuple[dict[str, str], list[str]]:
    """Map each canonical name to the file's column among its accepted names.

    Returns the mapping (file column -> canonical name) and the canonical
    columns none of whose names is in the header (shown by their first name).
    """
    by_normal_name = {_normalise_name(column): column for column in found}
    renames, missing = {}, []
    for canonical, accepted in wanted.items():
        column = next((by_normal_name[_normalise_name(a)] for a in accepted if _normalise_name(a) in by_normal_name), None)
        if column is None:
            missing.append(accepted[0])
        else:
            renames[column] = canonical
    return renames, missing


def _read_text_chunks(opened: _OpenedFile, columns: Iterable[str], chunksize: int) -> Iterator[pd.DataFrame]:
    """Read the named columns as text, ``chunksize`` rows at a time, header names stripped."""
    quoting = csv.QUOTE_MINIMAL if opened.delimiter == "," else csv.QUOTE_NONE  # caret/tab files are unquoted
    wanted = set(columns)
    try:
        reader = pd.read_csv(
            opened.readable,
            sep=opened.delimiter,
            encoding=opened.encoding,
            quoting=quoting,
            usecols=lambda column: column.strip().lstrip("\ufeff") in wanted,
            dtype=str,
            keep_default_na=False,
            na_values=[],
            chunksize=chunksize,
        )
        with reader:
            for chunk in reader:
                chunk.columns = [column.strip().lstrip("\ufeff") for column in chunk.columns]
                yield chunk
    except UnicodeDecodeError as error:
        raise InputDataError([Problem(opened.name, None, None, None,
                                      f"the file is not Windows-1252 or UTF-8 text ({error.reason})")]) from error
    except pd.errors.ParserError as error:
        raise InputDataError([Problem(opened.name, None, None, None,
                                      f"the rows do not split into the header's columns: {error}")]) from error


def _read_text_columns(opened: _OpenedFile, columns: Iterable[str]) -> pd.DataFrame:
    """Read the named columns of a small file as text, in one frame."""
    wanted = list(columns)
    chunks = list(_read_text_chunks(opened, wanted, chunksize=1_000_000))
    if not chunks:
        return pd.DataFrame({column: pd.Series([], dtype="str") for column in wanted})
    return pd.concat(chunks) if len(chunks) > 1 else chunks[0]


def _blank_to_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """Strip spaces from every text cell; empty and ``*`` cells become missing."""
    cleaned = {}
    for column in frame.columns:
        text = frame[column].astype("str").str.strip()
        cleaned[column] = text.mask(text.isin(["", _SUPPRESSED]))
    return pd.DataFrame(cleaned, index=frame.index)


def _to_number(values: pd.Series, file: str, column: str, *, whole: bool, problems: list[Problem]) -> pd.Series:
    """Text to numbers (``Int64`` when ``whole``, else float); a cell that is not a number is a problem."""
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    not_numbers = values.notna() & numbers.isna()
    for row, value in values[not_numbers].head(20).items():
        problems.append(Problem(file, int(row) + 2, column, value, "expected a number"))
    if whole:
        fractional = numbers.notna() & (numbers % 1 != 0)
        for row, value in values[fractional].head(20).items():
            problems.append(Problem(file, int(row) + 2, column, value, "expected a whole number"))
        numbers = numbers.mask(fractional)
        return numbers.astype("Int64")
    return numbers


def _codes(frame: pd.DataFrame, file: str, problems: list[Problem]) -> pd.DataFrame:
    """Zero-pad county, district and school codes (a spreadsheet may have dropped the zeros) and build ``cds``."""
    out = frame.copy()
    for column, width in _CODE_WIDTHS.items():
        code = out[column].str.zfill(width)
        bad = code.isna() | ~code.str.fullmatch(rf"\d{{{width}}}").fillna(False).astype(bool)
        for row, value in frame[column][bad].head(20).items():
            problems.append(Problem(file, int(row) + 2, column, value, f"expected a {width}-digit code"))
        out[column] = code
    out["cds"] = out["county_code"] + out["district_code"] + out["school_code"]
    return out

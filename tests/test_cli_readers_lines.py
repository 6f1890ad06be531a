"""lite_logging.cli.readers._lines: lines read into entries, format detection, decoding."""

from __future__ import annotations

import json
import logging
import os
import string
import tracemalloc
from pathlib import Path

import edn_format
from cli_support import EDN_LINE, RECORD, read_bytes

from lite_logging.cli.readers import LineParser, read_entries, to_edn_line
from lite_logging.formats.edn import EdnFormatter
from lite_logging.formats.json import JsonFormatter


class TestReadEntries:
    def test_json_lines_with_line_numbers(self) -> None:
        """Each JSON line becomes a record; line numbers count blank lines too."""
        data = (json.dumps(RECORD) + "\n\n" + json.dumps({"a": 1}) + "\n").encode()

        entries = read_bytes(data)

        assert [(1, RECORD), (3, {"a": 1})] == [(e.lineno, e.record) for e in entries]

    def test_malformed_lines_reported_not_raised(self) -> None:
        """A broken line, a non-object and a truncated line are entries with an error."""
        data = (json.dumps(RECORD) + "\nnot json\n[1, 2]\n" + json.dumps(RECORD)[:20]).encode()

        entries = read_bytes(data)

        assert [None, "not json", "[1, 2]"] == [
            entries[0].error,
            entries[1].text,
            entries[2].text,
        ]
        assert [2, 3, 4] == [e.lineno for e in entries if e.record is None]
        assert all(e.error for e in entries[1:])

    def test_crlf_line_endings(self) -> None:
        """Windows line endings are stripped before parsing."""
        entries = read_bytes(json.dumps(RECORD).encode() + b"\r\n")

        assert [RECORD] == [e.record for e in entries]

    def test_invalid_utf8_is_malformed_not_fatal(self) -> None:
        """Bytes that are not UTF-8 make a malformed entry; the next line still reads."""
        entries = read_bytes(b'{"a": "\xff\xfe"}\n{"b": 2}\n')

        assert {"b": 2} == entries[-1].record
        assert 2 == len(entries)

    def test_edn_lines_read_as_the_json_data_model(self) -> None:
        """An EDN line gives the same dict as the JSON line of the same record."""
        entries = read_bytes(EDN_LINE.encode() + b"\n")

        assert [RECORD] == [e.record for e in entries]

    def test_edn_special_values(self) -> None:
        """##NaN/##Inf become JSON's strings, sets lists, keywords and symbols their names."""
        line = b'{:level :warning :x ##NaN :y ##-Inf :s #{3 1 2} :k :on :l (1 :a) "str key" 1}'

        (entry,) = read_bytes(line)

        expected = {
            "level": "WARNING",
            "x": "NaN",
            "y": "-Infinity",
            "s": [1, 2, 3],
            "k": "on",
            "l": [1, "a"],
            "str key": 1,
        }
        assert expected == entry.record

    def test_format_fixed_by_first_parsed_line(self) -> None:
        """In a JSON file a later EDN line is malformed (and the other way round)."""
        json_first = read_bytes((json.dumps(RECORD) + "\n" + EDN_LINE + "\n").encode())
        edn_first = read_bytes((EDN_LINE + "\n" + json.dumps(RECORD) + "\n").encode())

        assert [RECORD, None] == [e.record for e in json_first]
        assert [RECORD, None] == [e.record for e in edn_first]

    def test_detection_skips_leading_garbage(self) -> None:
        """A malformed first line does not decide the format; the first good line does."""
        parser = LineParser()

        results = [parser.parse(line) for line in (b"garbage", EDN_LINE.encode())]

        assert (None, RECORD) == (results[0][0], results[1][0])
        assert "edn" == parser.format

    def test_utf16_byte_order_mark_is_an_undecodable_line(self) -> None:
        """A line starting with FF FE is not UTF-8: named as such, with its line number."""
        entries = read_bytes(json.dumps(RECORD).encode() + b'\n\xff\xfe{"a": 1}\n')

        assert [(2, "not UTF-8: undecodable byte 0xff at column 1")] == [
            (e.lineno, e.error) for e in entries if e.record is None
        ]

    def test_undecodable_byte_in_the_middle_names_its_column(self) -> None:
        """The reason names the first byte that is not UTF-8 and where it is."""
        (entry,) = read_bytes(b'{"a": "x\xc3("}\n')

        assert "not UTF-8: undecodable byte 0xc3 at column 9" == entry.error


class TestAgreesWithFormatters:
    def test_json_and_edn_formatter_output_read_back_equal(self) -> None:
        """A record written by JsonFormatter and by EdnFormatter reads back as equal data."""
        record = logging.LogRecord("shop.api", logging.WARNING, __file__, 3, "hi %s", ("x",), None)
        record.__dict__.update(user_id=42, tags=["a", "b"], nested={"k": None, "f": 1.5})
        lines = [JsonFormatter().format(record), EdnFormatter().format(record)]

        json_entry, edn_entry = (read_bytes(line.encode())[0] for line in lines)

        assert json_entry.record is not None
        assert json_entry.record == edn_entry.record
        assert "WARNING" == json_entry.record["level"]

    def test_convert_matches_the_edn_formatter(self) -> None:
        """to_edn_line of a JSON record parses to the same EDN data as EdnFormatter writes."""
        record = logging.LogRecord("shop", logging.ERROR, __file__, 3, "boom", (), None)
        record.__dict__.update(amount=1.25, who={"name": "ada"})
        as_json = json.loads(JsonFormatter().format(record))

        converted = edn_format.loads(to_edn_line(as_json))

        assert edn_format.loads(EdnFormatter().format(record)) == converted


class TestStreaming:
    def test_memory_stays_flat_on_a_large_file(self, tmp_path: Path) -> None:
        """Reading a ~20 MB file keeps the peak traced memory far below the file's size."""
        path = tmp_path / "big.jsonl"
        line = json.dumps({**RECORD, "payload": string.ascii_letters * 4})
        lines = 20 * 1024 * 1024 // len(line)
        with open(path, "w", encoding="utf-8") as f:
            for n in range(lines):
                f.write(line.replace("user 42", f"user {n}") + "\n")
        size = os.path.getsize(path)

        tracemalloc.start()
        try:
            count = 0
            with open(path, "rb") as stream:
                for entry in read_entries(stream, str(path)):
                    count += entry.record is not None
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

        assert size > 19 * 1024 * 1024
        assert lines == count
        assert peak < 1024 * 1024, f"peak {peak} bytes while reading {size} bytes"

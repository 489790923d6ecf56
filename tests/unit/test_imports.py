"""Bulk serial import, reading the file: CSV and XLSX into checked rows, every problem by row."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from serialtrack.adapters.files import safe_cell
from serialtrack.adapters.imports import (
    COLUMNS,
    PROGRESS_EVERY,
    FileRead,
    ImportRow,
    read_rows,
    template_csv,
    template_xlsx,
    text_date,
)
from serialtrack.domain.codes import code_key
from serialtrack.domain.errors import Problem

PARA_EXPIRY, PARA_LOT = date(2026, 12, 31), "LOT-2024-07"
TEMPLATE_ROWS = [
    ImportRow(2, "PHONE-X1", "Phone X1 128 GB", "Main store", "SN-000123", None, None),
    ImportRow(3, "PARA-500", "Paracetamol 500 mg", "Main store", "", PARA_EXPIRY, 100, PARA_LOT),
    ImportRow(
        4, "PEN-30", "Insulin pen", "Main store", "PEN-000001", date(2027, 6, 30), None, "L2501"
    ),
    ImportRow(5, "CABLE-1M", "USB cable 1 m", "Main store", "", None, 25),
]
WITHOUT_BATCH = [column for column in COLUMNS if column != "batch"]


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.replace("\n", "\r\n").encode(encoding)


def read_csv(text: str, encoding: str = "utf-8") -> FileRead:
    return read_rows(csv_bytes(text, encoding), "serials.csv")


def xlsx_bytes(rows: list[list[object]], number_formats: dict[str, str] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    for cell_name, number_format in (number_formats or {}).items():
        sheet[cell_name].number_format = number_format
    out = io.BytesIO()
    book.save(out)
    book.close()
    return out.getvalue()


def where_and_why(result: FileRead) -> list[tuple[str, str]]:
    return [(p.where, p.message) for p in result.problems]


# --- CSV ---------------------------------------------------------------------------------


def test_ten_thousand_rows_with_one_bad_row_name_exactly_that_row_and_reason() -> None:
    lines = ["sku,product name,location,serial,expiry,quantity"]
    for i in range(10_000):
        expiry = "31.02.2027" if i == 6_543 else "31.12.2027"
        lines.append(f"PHONE-X1,Phone X1,Main store,SN-{i:05},{expiry},")
    result = read_csv("\n".join(lines))

    assert len(result.problems) == 1
    (problem,) = result.problems
    assert problem.where == "row 6545, expiry"  # header is row 1, item 0 is row 2
    assert "'31.02.2027' is not a date" in problem.message
    assert "day is out of range" in problem.message
    assert problem.code == "date"
    assert len(result.rows) == 9_999
    assert 6_545 not in {row.row for row in result.rows}
    assert result.rows[0] == ImportRow(
        2, "PHONE-X1", "Phone X1", "Main store", "SN-00000", date(2027, 12, 31), None
    )
    assert not result.ok


def test_utf8_with_bom_reads_the_first_header_name_and_accents() -> None:
    data = "sku,product name,serial\nA-1,Café crème,S1\n".encode("utf-8-sig")
    result = read_rows(data, "serials.csv")

    assert result.ok
    assert result.warnings == []
    assert result.columns == ["sku", "product name", "serial"]
    assert result.rows == [ImportRow(2, "A-1", "Café crème", None, "S1", None, None)]


def test_latin1_with_semicolons_is_read_as_windows_1252_with_a_warning() -> None:
    result = read_csv("SKU;Product Name;Serial\nA-1;Café;S1\nA-1;Déjà vu;S2\n", "latin-1")

    assert result.ok
    assert [row.product_name for row in result.rows] == ["Café", "Déjà vu"]
    assert [row.serial for row in result.rows] == ["S1", "S2"]
    (warning,) = result.warnings
    assert "not UTF-8" in warning
    assert "Windows-1252" in warning


def test_bytes_windows_1252_lacks_fall_back_to_latin1() -> None:
    data = b"sku;product name;serial\nA;Caf\xe9 \x81;S1\n"  # 0x81 is not a Windows-1252 character
    result = read_rows(data, "serials.csv")

    assert [row.product_name for row in result.rows] == ["Café \x81"]
    assert "Latin-1" in result.warnings[0]


def test_utf16_with_bom_and_tabs_as_excel_saves_unicode_text() -> None:
    data = "sku\tserial\r\nA\tŠ-1\r\n".encode("utf-16")
    result = read_rows(data, "serials.txt")

    assert result.ok
    assert result.rows == [ImportRow(2, "A", None, None, "Š-1", None, None)]


def test_tab_separated_file() -> None:
    result = read_csv("sku\tproduct name\tserial\tquantity\nA\tA thing, large\tS1\t3\n")

    assert result.ok
    assert result.rows == [ImportRow(2, "A", "A thing, large", None, "S1", None, 3)]


def test_the_separator_is_taken_from_the_header_not_from_quoted_names() -> None:
    result = read_csv('"sku;x";serial;"a,b,c"\nA;S1;z\n')

    assert result.columns == ["serial"]
    assert result.problems == [
        Problem("row 1", "the header has no sku column (recognised columns: serial)", "column")
    ]


@pytest.mark.parametrize(
    "header",
    [
        "sku,product name,location,serial,expiry,quantity",
        " SKU , Product Name , LOCATION , Serial , Expiry , Quantity ",
        "Sku,product_name,Location,SERIAL,EXPIRY,qty",
        "sku,Product  Name,location,serial_number,expiry_date,QTY",
        "sku,PRODUCT_NAME,location,Serial No,Expiry Date,quantity",
    ],
)
def test_header_names_match_ignoring_case_spaces_and_underscores(header: str) -> None:
    result = read_csv(f"{header}\nA,Thing,Shop,S1,2027-01-31,2\n")

    assert result.ok
    assert result.columns == WITHOUT_BATCH
    assert result.rows == [ImportRow(2, "A", "Thing", "Shop", "S1", date(2027, 1, 31), 2)]


def test_columns_may_come_in_any_order_and_location_may_be_missing() -> None:
    result = read_csv("serial,sku\nS1,A\n")

    assert result.ok
    assert result.columns == ["serial", "sku"]
    assert result.rows == [ImportRow(2, "A", None, None, "S1", None, None)]


def test_unknown_columns_are_ignored_and_named_in_a_warning() -> None:
    result = read_csv("sku,Colour,serial,Notes\nA,red,S1,fragile\n")

    assert result.ok
    assert result.rows == [ImportRow(2, "A", None, None, "S1", None, None)]
    assert result.warnings == ["ignored unknown columns: Colour, Notes"]


def test_values_under_no_header_are_ignored_with_one_warning() -> None:
    result = read_csv("sku,serial,\nA,S1,\nA,S2,oops\nA,S3,again,more\n")

    assert [row.serial for row in result.rows] == ["S1", "S2", "S3"]
    (warning,) = result.warnings
    assert warning.startswith("row 3 ")
    assert "ignored" in warning


def test_missing_required_columns_and_repeated_columns_are_header_problems() -> None:
    result = read_csv("product name,serial,Serial\nThing,S1,S2\n")

    assert result.rows == []
    assert where_and_why(result) == [
        ("row 1", "two serial columns: B and C"),
        ("row 1", "the header has no sku column (recognised columns: product name, serial)"),
    ]


def test_the_header_is_the_first_row_that_is_not_blank() -> None:
    result = read_csv("\n,,\nsku,serial\nA,S1\n")

    assert result.rows == [ImportRow(4, "A", None, None, "S1", None, None)]


@pytest.mark.parametrize("data", [b"", b"\n\n", b" , ,\n"])
def test_an_empty_file_is_a_problem(data: bytes) -> None:
    result = read_rows(data, "serials.csv")

    assert result.rows == []
    assert [p.code for p in result.problems] == ["empty"]


def test_a_header_without_rows_reads_as_nothing_to_import() -> None:
    result = read_csv("sku,serial\n")

    assert result == FileRead(columns=["sku", "serial"])
    assert result.ok


def test_blank_rows_are_skipped_and_numbering_stays_as_the_spreadsheet_shows() -> None:
    result = read_csv("sku,serial,expiry\nA,S1,\n\n , ,\nA,S2,\n,,\n")

    assert result.ok
    assert [(row.row, row.serial) for row in result.rows] == [(2, "S1"), (5, "S2")]


def test_a_quoted_line_break_is_one_row() -> None:
    result = read_csv('sku,product name,serial\nA,"two\nlines",S1\nA,x,S2\n')

    assert [(row.row, row.product_name, row.serial) for row in result.rows] == [
        (2, "two\r\nlines", "S1"),
        (3, "x", "S2"),
    ]


def test_every_problem_of_every_row_is_reported() -> None:
    result = read_csv(
        "sku,serial,expiry,quantity\n"
        "A,S1,2027-01-01,1\n"
        ",,12/31/2027,0\n"
        "B,bad\x07code,someday,2.5\n"
        "C," + "X" * 101 + ",,-3\n"
    )

    assert where_and_why(result) == [
        ("row 3, sku", "the sku is missing"),
        ("row 3, serial", "the serial is missing"),
        (
            "row 3, expiry",
            "'12/31/2027' is not a date: dates with / are read day first (DD/MM/YYYY) "
            "and 31 is not a month; write 2027-12-31 if that is meant",
        ),
        ("row 3, quantity", "the quantity must be from 1 to 10,000,000, not 0"),
        ("row 4, serial", "the serial code 'bad\\x07code' contains a control character"),
        (
            "row 4, expiry",
            "'someday' is not a date: write it as YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY",
        ),
        ("row 4, quantity", "the quantity '2.5' is not a whole number"),
        ("row 5, serial", "the serial code is longer than 100 characters"),
        ("row 5, quantity", "the quantity '-3' is not a whole number"),
    ]
    assert [row.row for row in result.rows] == [2]


def test_a_repeated_serial_of_the_same_sku_names_both_rows() -> None:
    result = read_csv("sku,serial\nA,SN-1\nB,SN-1\nA,SN-2\nA, sn-1 \nA,SN-2\n")

    assert [str(p) for p in result.problems] == [
        "row 5, serial: sn-1 repeats row 2 (SN-1)",
        "row 6, serial: SN-2 repeats row 4",
    ]
    assert {p.code for p in result.problems} == {"duplicate"}
    assert [(row.row, row.sku, row.serial) for row in result.rows] == [
        (2, "A", "SN-1"),
        (3, "B", "SN-1"),
        (4, "A", "SN-2"),
    ]


def test_text_that_our_exports_protected_reads_back_as_it_was() -> None:
    cells = [safe_cell("=SUM(A1)"), safe_cell("+1-2"), safe_cell("Shop")]
    assert cells == ["'=SUM(A1)", "'+1-2", "Shop"]
    result = read_csv(f"sku,serial,location\n{cells[0]},{cells[1]},{cells[2]}\nB,'apostrophe,x\n")

    assert [(row.sku, row.serial, row.location) for row in result.rows] == [
        ("=SUM(A1)", "+1-2", "Shop"),
        ("B", "'apostrophe", "x"),
    ]


def test_a_csv_the_csv_module_cannot_parse_stops_with_the_row_named() -> None:
    result = read_csv("sku,serial\nA,S1\nA," + "X" * 200_000 + "\nA,S3\n")

    assert [(p.where, p.code) for p in result.problems] == [("row 3", "format")]
    assert "could not read the CSV" in result.problems[0].message
    assert [row.serial for row in result.rows] == ["S1"]


def test_more_rows_than_allowed_is_refused_and_reading_stops() -> None:
    text = "sku,serial\n" + "".join(f"A,S{i}\n" for i in range(8))
    result = read_rows(csv_bytes(text), "serials.csv", max_rows=5)

    assert [(p.where, p.code) for p in result.problems] == [("row 7", "too-many")]
    assert "more than 5 rows" in result.problems[0].message
    assert len(result.rows) == 5


def test_a_hundred_thousand_rows_read_with_progress_reports() -> None:
    lines = ["sku;serial;expiry;quantity"]
    lines += [f"P{i % 7};SN-{i:07};2030-01-{i % 28 + 1:02};" for i in range(100_000)]
    seen: list[int] = []
    result = read_rows(
        csv_bytes("\n".join(lines) + "\n;;;\nP1;LAST;;\n"), "big.csv", on_row=seen.append
    )

    assert result.ok
    assert len(result.rows) == 100_001
    assert result.rows[-1] == ImportRow(100_003, "P1", None, None, "LAST", None, None)
    assert seen == [*range(PROGRESS_EVERY, 100_001, PROGRESS_EVERY), 100_001]


# --- dates and quantities ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-03-04", date(2027, 3, 4)),
        ("2027-3-4", date(2027, 3, 4)),
        (" 2027-03-04 00:00:00 ", date(2027, 3, 4)),
        ("2027-03-04T13:45", date(2027, 3, 4)),
        ("04.03.2027", date(2027, 3, 4)),
        ("4.3.2027", date(2027, 3, 4)),
        ("04/03/2027", date(2027, 3, 4)),
        ("29/02/2028", date(2028, 2, 29)),
    ],
)
def test_text_dates_in_the_documented_forms(text: str, expected: date) -> None:
    assert text_date(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("03/13/2027", "13 is not a month; write 2027-03-13"),
        ("29/02/2027", "day is out of range for month"),
        ("2027-13-01", "month must be in 1..12"),
        ("04-03-2027", "write it as YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY"),
        ("4/3/27", "write it as YYYY-MM-DD"),
        ("2027.03.04", "write it as YYYY-MM-DD"),
        ("March 2027", "write it as YYYY-MM-DD"),
        ("46000", "write it as YYYY-MM-DD"),  # a day number only counts in an XLSX number cell
        ("٢٠٢٧-٠٣-٠٤", "write it as YYYY-MM-DD"),  # other scripts' digits are not read
    ],
)
def test_other_text_is_refused_with_the_reason(text: str, reason: str) -> None:
    read = text_date(text)

    assert isinstance(read, str)
    assert read.startswith(f"{text!r} is not a date")
    assert reason in read


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("", None), (" 1 ", 1), ("12", 12), ("0012", 12), ("10000000", 10_000_000)],
)
def test_quantities_that_are_read(cell: str, expected: int | None) -> None:
    result = read_csv(f"sku,serial,quantity\nA,S1,{cell}\n")

    assert result.ok
    assert result.rows[0].quantity == expected


@pytest.mark.parametrize("cell", ["0", "-1", "1.5", "1e3", "ten", "10000001", "1 000"])
def test_quantities_that_are_refused(cell: str) -> None:
    result = read_csv(f"sku,serial,quantity\nA,S1,{cell}\n")

    assert result.rows == []
    assert [(p.where, p.code) for p in result.problems] == [("row 2, quantity", "quantity")]


# --- XLSX ----------------------------------------------------------------------------------


def test_xlsx_cells_become_text_dates_and_whole_numbers() -> None:
    excel_day = 46_000  # an Excel day number: days since 1899-12-30
    data = xlsx_bytes(
        [
            ["SKU", "Product Name", "Location", "Serial", "Expiry", "Qty"],
            ["PHONE-X1", "Phone", "Shop", "000123", datetime(2027, 5, 6, 0, 0), None],
            [1001, None, None, 12345.0, excel_day, 1.0],
            [None, None, None, None, None, None],
            ["PARA", "Pills", "Shop", 678, date(2028, 1, 2), 250],
            ["PARA", None, None, "LOT-9", "31.01.2029", "3"],
        ],
        number_formats={"E2": "yyyy-mm-dd", "E5": "dd.mm.yyyy"},
    )
    result = read_rows(data, "upload.bin")  # found by its zip signature, not its name

    assert result.ok, result.problems
    assert result.rows == [
        ImportRow(2, "PHONE-X1", "Phone", "Shop", "000123", date(2027, 5, 6), None),
        ImportRow(3, "1001", None, None, "12345", date(1899, 12, 30) + timedelta(excel_day), 1),
        ImportRow(5, "PARA", "Pills", "Shop", "678", date(2028, 1, 2), 250),
        ImportRow(6, "PARA", None, None, "LOT-9", date(2029, 1, 31), 3),
    ]
    assert result.columns == WITHOUT_BATCH


def test_xlsx_refuses_cells_that_cannot_be_what_their_column_holds() -> None:
    data = xlsx_bytes(
        [
            ["sku", "serial", "expiry", "quantity"],
            ["A", 1234567890123456, 0, True],
            ["A", datetime(2027, 1, 1), 3_000_000, 2.5],
            ["A", True, "soon", None],
            ["A", "S1", -5.5, None],
            ["A", 1.23456789012345e17, None, None],
        ],
        number_formats={"B3": "yyyy-mm-dd"},
    )
    result = read_rows(data, "serials.xlsx")

    assert result.rows == []
    assert [(p.where, p.code) for p in result.problems] == [
        ("row 2, serial", "serial"),
        ("row 2, expiry", "date"),
        ("row 2, quantity", "quantity"),
        ("row 3, serial", "serial"),
        ("row 3, expiry", "date"),
        ("row 3, quantity", "quantity"),
        ("row 4, serial", "serial"),
        ("row 4, expiry", "date"),
        ("row 5, expiry", "date"),
        ("row 6, serial", "serial"),
    ]
    assert "more than 15 digits" in result.problems[0].message
    assert "not an Excel date number" in result.problems[1].message
    assert "format the column as text" in result.problems[3].message


def test_xlsx_reports_duplicates_and_blank_rows_like_csv() -> None:
    data = xlsx_bytes([["sku", "serial"], ["A", "SN-1"], [], ["A", "sn-1"], [None, "  "]])
    result = read_rows(data, "serials.xlsx")

    assert [str(p) for p in result.problems] == ["row 4, serial: sn-1 repeats row 2 (SN-1)"]
    assert [row.row for row in result.rows] == [2]


def test_files_that_are_not_readable_spreadsheets_are_refused() -> None:
    old_xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)
    broken_zip = b"PK\x03\x04" + bytes(100)
    named_xlsx = b"sku,serial\nA,S1\n"

    for data, name, words in [
        (old_xls, "old.xls", "old Excel .xls"),
        (broken_zip, "x.csv", "could not read the file as XLSX"),
        (named_xlsx, "serials.xlsx", "could not read the file as XLSX"),
    ]:
        result = read_rows(data, name)
        assert result.rows == []
        (problem,) = result.problems
        assert problem.where == "file"
        assert words in problem.message


# --- templates -----------------------------------------------------------------------------


def test_csv_template_reads_back_as_its_examples() -> None:
    data = template_csv()

    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines()[0] == ",".join(COLUMNS)
    result = read_rows(data, "template.csv")
    assert result == FileRead(rows=TEMPLATE_ROWS, columns=list(COLUMNS))


def test_xlsx_template_reads_back_as_its_examples() -> None:
    result = read_rows(template_xlsx(), "template.xlsx")

    assert result == FileRead(rows=TEMPLATE_ROWS, columns=list(COLUMNS))


def test_xlsx_template_keeps_serials_as_text_and_looks_right() -> None:
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    try:
        sheet = book.worksheets[0]
        assert [cell.value for cell in sheet[1]] == list(COLUMNS)
        assert all(cell.font.bold for cell in sheet[1])
        assert sheet.column_dimensions["D"].number_format == "@"
        assert [sheet.cell(row, 4).number_format for row in (2, 3)] == ["@", "@"]
        assert all(sheet.column_dimensions[letter].width >= 10 for letter in "ABCDEFG")
        assert sheet.freeze_panes == "A2"
        assert book.sheetnames == ["serials", "help"]
    finally:
        book.close()


# --- property ------------------------------------------------------------------------------

_SAFE = st.characters(categories=("L", "N", "P", "S"), exclude_characters="'")
_CODES = st.text(_SAFE, min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(
    delimiter=st.sampled_from([",", ";", "\t"]),
    records=st.lists(
        st.tuples(st.sampled_from(["A-1", "B 2", "Ç;3"]), _CODES),
        max_size=20,
        unique_by=lambda record: (record[0], code_key(record[1])),
    ),
)
def test_rows_written_by_csv_writer_read_back_equal(
    delimiter: str, records: list[tuple[str, str]]
) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(["sku", "serial"])
    writer.writerows(records)

    result = read_rows(out.getvalue().encode("utf-8"), "property.csv")

    assert result.problems == []
    assert [(row.sku, row.serial) for row in result.rows] == records
    assert [row.row for row in result.rows] == list(range(2, len(records) + 2))


# --- batches and quantities ----------------------------------------------------------------


def test_a_batch_column_and_rows_without_serials_are_read() -> None:
    result = read_csv(
        "sku,serial,Lot Number,expiry,qty\n"
        "PILLS,,LOT-1,2027-06-30,10\n"
        "PILLS,,LOT-1,,5\n"  # a batch may repeat: its rows add up
        "PEN,P-1, L1 ,2027-06-30,\n"
        "CABLE,,,,3\n"
    )

    assert result.ok, result.problems
    assert result.columns == ["sku", "serial", "batch", "expiry", "quantity"]
    assert result.rows == [
        ImportRow(2, "PILLS", None, None, "", date(2027, 6, 30), 10, "LOT-1"),
        ImportRow(3, "PILLS", None, None, "", None, 5, "LOT-1"),
        ImportRow(4, "PEN", None, None, "P-1", date(2027, 6, 30), None, "L1"),
        ImportRow(5, "CABLE", None, None, "", None, 3),
    ]


def test_a_header_needs_a_serial_batch_or_quantity_column() -> None:
    assert read_csv("sku,batch,quantity\nA,L1,2\n").ok
    assert read_csv("sku,qty\nA,2\n").ok
    result = read_csv("sku,expiry\nA,2027-01-01\n")

    assert where_and_why(result) == [
        (
            "row 1",
            "the header has no serial column, nor batch or quantity (recognised columns: sku, "
            "expiry)",
        )
    ]


def test_batch_cells_are_checked_like_serials() -> None:
    data = xlsx_bytes(
        [
            ["sku", "batch", "quantity"],
            ["A", datetime(2027, 1, 1), 1],
            ["A", "x" * 101, 1],
            ["A", 1234567890123456, 1],
            ["A", None, None],
        ]
    )
    result = read_rows(data, "lots.xlsx")

    assert where_and_why(result) == [
        (
            "row 2, batch",
            "the batch code is a date or time cell (2027-01-01 00:00:00), not a code: format "
            "the column as text",
        ),
        ("row 3, batch", "the batch code is longer than 100 characters"),
        (
            "row 4, batch",
            "the batch code 1234567890123456 is a number of more than 15 digits, which Excel "
            "rounds: format the batch column as text and enter the batch code again",
        ),
        ("row 5, serial", "the serial is missing"),
    ]

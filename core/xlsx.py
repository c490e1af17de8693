"""Rows of xlsx exports written safely: every text cell stays text, so a value
such as ``=HYPERLINK(…)`` or ``+86…`` is never read as a formula (xlsx injection)."""

from __future__ import annotations

from typing import Any

from openpyxl.cell import WriteOnlyCell


def xlsx_row(sheet, values: list[Any]) -> list[Any]:
    """Cells for one row of a write-only ``sheet`` (None written as empty text)."""
    cells = []
    for value in values:
        if value is None:
            value = ""
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # "=…" stays text, never a formula
        cells.append(cell)
    return cells

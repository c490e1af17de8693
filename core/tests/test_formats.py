import datetime as dt
import zoneinfo

import pytest
from django.test import override_settings
from django.utils import formats, timezone, translation
from django.utils.text import Truncator

from core.formats import _pattern, local_datetime, truncate_chars

UTC = dt.UTC
MOMENTS = [
    dt.datetime(2026, 1, 1, 0, 0, 5, tzinfo=UTC),
    dt.datetime(2026, 11, 23, 16, 7, 59, tzinfo=UTC),  # the next day in Shanghai
    dt.datetime(2027, 2, 9, 3, 30, tzinfo=UTC),
    dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    "name",
    ["SHORT_DATETIME_FORMAT", "DATETIME_FORMAT", "DATE_FORMAT", "SHORT_DATE_FORMAT"],
)
def test_dates_read_as_djangos_own(language, name):
    with translation.override(language):
        for moment in MOMENTS:
            expected = formats.date_format(timezone.localtime(moment), name)
            assert local_datetime(moment, name) == expected


def test_shanghai_time_is_shown():
    with translation.override("zh-hans"):
        shown = local_datetime(dt.datetime(2026, 11, 23, 16, 7, tzinfo=UTC))
    assert shown == "2026年11月24日 00:07"


def test_another_time_zone_is_followed():
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    with timezone.override(berlin), translation.override("zh-hans"):
        shown = local_datetime(dt.datetime(2026, 11, 23, 16, 7, tzinfo=UTC))
    assert shown == "2026年11月23日 17:07"


@override_settings(SHORT_DATETIME_FORMAT=r"\Y: Y {j} \\ G.i.s")
def test_escapes_and_braces_are_literal():
    _pattern.cache_clear()
    try:
        with translation.override(None):
            moment = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
            expected = formats.date_format(
                timezone.localtime(moment), "SHORT_DATETIME_FORMAT"
            )
            assert expected.startswith("Y: 2026 {4}")
            assert local_datetime(moment) == expected
    finally:
        _pattern.cache_clear()


def test_a_code_not_handled_goes_to_django():
    assert _pattern("SHORT_DATETIME_FORMAT", "en") is None  # "m/d/Y P"
    assert _pattern("SHORT_DATETIME_FORMAT", "zh-hans") is not None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "查询运单",
        "客户来电反映货物未按约定时间送达，要求尽快处理并回复，并说明延误的原因和补偿办法",
        "Cafe\u0301 order delayed",  # not NFC: Django normalises it
        "a" * 40,
        "a" * 41,
    ],
)
def test_truncation_reads_as_djangos(text):
    assert truncate_chars(text, 40) == Truncator(text).chars(40)

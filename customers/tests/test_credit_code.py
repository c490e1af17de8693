"""The unified social credit code and its GB 32100 check character."""

import random

import pytest

from core.errors import DomainError
from customers.credit_code import (
    credit_code_check_char,
    credit_code_clean,
    credit_code_generate,
)


def test_the_standards_example_is_valid_and_normalised():
    """GB 32100's own example passes, typed in lower case with spaces."""
    assert credit_code_clean(" 91350100m000100y43 ") == "91350100M000100Y43"


def test_an_empty_code_is_allowed():
    assert credit_code_clean("") == ""
    assert credit_code_clean(None) == ""


@pytest.mark.parametrize(
    "code,error_code",
    [
        ("91350100M000100Y44", "credit_code_check"),
        ("91350100M000100Y4", "credit_code_length"),
        ("91350100M000100Y433", "credit_code_length"),
        ("91350100M0001O0Y43", "credit_code_characters"),
        ("91A50100M000100Y43", "credit_code_region"),
    ],
)
def test_a_wrong_code_is_refused_naming_the_field(code, error_code):
    with pytest.raises(DomainError) as info:
        credit_code_clean(code)
    assert info.value.field == "credit_code"
    assert info.value.code == error_code
    assert "统一社会信用代码" in str(info.value)


def test_generated_codes_carry_a_valid_check_character():
    rng = random.Random(1)
    for _ in range(200):
        code = credit_code_generate(rng, region="320500")
        assert credit_code_clean(code) == code
        assert code[17] == credit_code_check_char(code[:17])

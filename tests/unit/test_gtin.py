"""GTIN checking: lengths, digits, the GS1 mod-10 check digit and the 14-digit form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from serialtrack.domain.errors import Invalid
from serialtrack.domain.gtin import gtin_check_digit, gtin_problem, is_gtin, normalize_gtin

# Published examples: GS1's GTIN-14 example, an EAN-13, a UPC-A, an EAN-8.
VALID = {
    "09506000134352": "09506000134352",
    "5901234123457": "05901234123457",
    "036000291452": "00036000291452",
    "96385074": "00000096385074",
}


@pytest.mark.parametrize(("given_value", "normalized"), VALID.items())
def test_valid_gtins_normalize_to_fourteen_digits(given_value: str, normalized: str) -> None:
    assert gtin_problem(given_value) is None
    assert normalize_gtin(given_value) == normalized
    assert normalize_gtin(f"  {given_value}\n") == normalized


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("5901234123458", "check digit of GTIN 5901234123458 should be 7, not 8"),
        ("590123412345", "should be 2, not 5"),  # the EAN-13 cut short is no UPC-A
        ("1234567", "8, 12, 13 or 14 digits, not 7"),
        ("123456789012345", "not 15"),
        ("59012341-23457", "digits only"),
        ("5901234 123457", "digits only"),
        ("٥٩٠١٢٣٤١٢٣٤٥٧", "digits only"),  # Arabic-Indic digits are not GS1 digits
        ("", "empty"),
        ("   ", "empty"),
        ("00000000", "all zeros"),
        (5901234123457, "must be text, not int"),
        (None, "must be text, not NoneType"),
    ],
)
def test_invalid_gtins_say_why(value: object, says: str) -> None:
    problem = gtin_problem(value)
    assert problem is not None
    assert says in problem
    assert not is_gtin(value)


def test_normalize_raises_invalid_naming_where() -> None:
    with pytest.raises(Invalid) as caught:
        normalize_gtin("5901234123458", where="products[2].gtin")
    (problem,) = caught.value.problems
    assert problem.where == "products[2].gtin"
    assert problem.code == "gtin"
    assert "should be 7, not 8" in problem.message


def test_check_digit_of_known_bodies() -> None:
    assert gtin_check_digit("590123412345") == 7
    assert gtin_check_digit("0950600013435") == 2
    assert gtin_check_digit("9638507") == 4


bodies = st.sampled_from([7, 11, 12, 13]).flatmap(
    lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)
)


@given(bodies)
def test_a_body_with_its_check_digit_is_a_gtin_padded_to_fourteen(body: str) -> None:
    gtin = body + str(gtin_check_digit(body))
    if not gtin.strip("0"):
        return  # all zeros is refused on purpose
    assert is_gtin(gtin)
    normalized = normalize_gtin(gtin)
    assert len(normalized) == 14
    assert normalized.lstrip("0") == gtin.lstrip("0")
    assert normalize_gtin(normalized) == normalized  # idempotent


@given(bodies, st.data())
def test_any_single_digit_error_is_caught(body: str, data: st.DataObject) -> None:
    gtin = body + str(gtin_check_digit(body))
    position = data.draw(st.integers(0, len(gtin) - 1))
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != gtin[position]]))
    typo = gtin[:position] + wrong + gtin[position + 1 :]
    assert not is_gtin(typo)


@given(bodies)
def test_leading_zeros_do_not_change_the_check_digit(body: str) -> None:
    assert gtin_check_digit(body) == gtin_check_digit(body.zfill(13))

"""The shared option checks: each refusal names the key and shows the value."""

from __future__ import annotations

import pytest

from lite_logging._options import check_bool, check_choice, check_int, check_number, check_text


class TestCheckInt:
    def test_accepts_the_minimum(self) -> None:
        """An int equal to the minimum is returned as it is."""
        assert 1 == check_int("batch_size", 1, 1)

    @pytest.mark.parametrize("value", [0, True, 1.0, "2", None])
    def test_refuses(self, value: object) -> None:
        """Below the minimum, a bool, a float or a string is refused, naming key and value."""
        with pytest.raises(ValueError, match="batch_size") as info:
            check_int("batch_size", value, 1)
        assert f'"batch_size" must be an int >= 1: {value!r}' == str(info.value)


class TestCheckNumber:
    def test_returns_a_float(self) -> None:
        """An int is returned as a float above the minimum."""
        assert 2.0 == check_number("timeout", 2)

    def test_minimum_allowed_when_asked(self) -> None:
        """``allow_minimum`` admits the minimum itself and says >= in the refusal."""
        assert 0.0 == check_number("block_timeout", 0, allow_minimum=True)
        with pytest.raises(ValueError, match='"block_timeout" must be a number >= 0: -1'):
            check_number("block_timeout", -1, allow_minimum=True)

    @pytest.mark.parametrize("value", [0, -1, True, float("nan"), float("inf"), "1"])
    def test_refuses(self, value: object) -> None:
        """Zero, negatives, bools, NaN, infinity and strings are refused by default."""
        with pytest.raises(ValueError, match="timeout") as info:
            check_number("timeout", value, what="a number of seconds")
        assert f'"timeout" must be a number of seconds > 0: {value!r}' == str(info.value)

    def test_maximum(self) -> None:
        """``maximum`` admits itself, refuses more and says so in the refusal."""
        assert 60.0 == check_number("flush_interval", 60, maximum=60)
        with pytest.raises(ValueError, match="flush_interval") as info:
            check_number("flush_interval", 61, maximum=60)
        assert '"flush_interval" must be a number > 0 and <= 60: 61' == str(info.value)

    def test_infinity_when_not_finite(self) -> None:
        """``finite=False`` admits infinity ("never"), never NaN."""
        assert float("inf") == check_number("max_age", float("inf"), finite=False)
        with pytest.raises(ValueError, match="max_age"):
            check_number("max_age", float("nan"), finite=False)


class TestOthers:
    def test_choice(self) -> None:
        """A value outside the choices is refused, the choices shown."""
        assert "udp" == check_choice("protocol", "udp", ("tcp", "udp"))
        with pytest.raises(ValueError, match="protocol") as info:
            check_choice("protocol", "tls", ("tcp", "udp"))
        assert """"protocol" must be one of ('tcp', 'udp'): 'tls'""" == str(info.value)

    @pytest.mark.parametrize("value", ["no", 0, None])
    def test_bool(self, value: object) -> None:
        """Only a real bool passes: "no" and 0 would read as something else."""
        with pytest.raises(ValueError, match="utf8_bom") as info:
            check_bool("utf8_bom", value)
        assert f'"utf8_bom" must be a bool: {value!r}' == str(info.value)

    @pytest.mark.parametrize("value", [None, "web"])
    def test_text_accepts(self, value: object) -> None:
        """A non-empty string or None passes."""
        assert value == check_text("app_name", value)

    @pytest.mark.parametrize("value", ["", 3])
    def test_text_refuses(self, value: object) -> None:
        """An empty string or a number is refused, naming key and value."""
        with pytest.raises(ValueError, match="app_name") as info:
            check_text("app_name", value)
        assert f'"app_name" must be a non-empty string or None: {value!r}' == str(info.value)

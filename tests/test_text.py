"""Text normalisation: NFC and tone placement for matching, exact offsets back."""

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from qa_bot.text import LOWERCASE, fold, lexical_tokens, normalize, number_values


def test_nfd_input_maps_back_to_the_original_characters():
    source = unicodedata.normalize("NFD", "Tỉnh Hà Giang có 1.565 thủ tục")
    n = normalize(source)
    assert n.text == "Tỉnh Hà Giang có 1.565 thủ tục"
    start = n.text.index("Hà Giang")
    a, b = n.to_source(start, start + len("Hà Giang"))
    assert unicodedata.normalize("NFC", source[a:b]) == "Hà Giang"


def test_both_tone_placements_match_and_map_back():
    for written in ("Hòa Bình", "Hoà Bình", unicodedata.normalize("NFD", "Hoà Bình")):
        n = normalize(written)
        assert n.text == "Hòa Bình"
        assert n.to_source(0, len(n.text)) == (0, len(written))
    assert normalize("thuỷ lợi, khoẻ mạnh, quý").text == "thủy lợi, khỏe mạnh, quý"


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_offsets_round_trip_for_any_unicode(text):
    n = normalize(text)
    assert len(n.source_offsets) == len(n.text) + 1
    assert n.to_source(0, len(n.text)) == (0, len(text))
    offsets = list(n.source_offsets)
    assert offsets == sorted(offsets)
    assert unicodedata.normalize("NFC", text) == unicodedata.normalize("NFC", text[: offsets[-1]])


def test_fold_strips_marks_and_d_bar():
    assert fold("Đường Hà Giang") == "Duong Ha Giang"


def test_numbers_are_read_the_vietnamese_way():
    assert number_values("1.565") == ["1565"]
    assert number_values("67,87%") == ["67.87"]
    assert "1565" in number_values("1,565")
    assert number_values("08") == ["8"]


def test_lexical_tokens_keep_codes_whole_and_fold_diacritics():
    tokens = lexical_tokens("Thông báo số 10/TB-VPUBND của Hà Giang")
    assert "10/tb-vpubnd" in tokens and "vpubnd" in tokens
    assert "hà_giang" in tokens and "ha_giang" in tokens and "ha" in tokens


def test_lowercase_is_every_lowercase_vietnamese_letter_and_no_capital():
    letters = set("aăâbcdđeêghiklmnoôơpqrstuưvxy") | {
        unicodedata.normalize("NFC", v + t) for v in "aăâeêioôơuưy" for t in "\u0300\u0301\u0303\u0309\u0323"}
    one = re.compile(LOWERCASE)
    assert all(one.fullmatch(ch) for ch in letters)
    assert not any(one.fullmatch(ch.upper()) for ch in letters)  # Đ, Ư, Ủ … were in [a-zà-ỹ]
    assert not any(one.fullmatch(ch) for ch in "0-.,  \n")

"""Masking personal data in published accounts."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.masking import MASK, mask_personal_data


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("我的电话13912345678请回电", "13912345678"),
        ("手机 139-1234-5678", "139-1234-5678"),
        ("手机 139 1234 5678", "139 1234 5678"),
        ("call +86 139 1234 5678", "139 1234 5678"),
        ("座机0513-81234567", "81234567"),
        ("座机(0513) 8123 4567", "8123 4567"),
        ("邮箱buyer.name+tag@example.com.cn联系", "buyer.name+tag@example.com.cn"),
        ("身份证号32068219900101123X已提供", "32068219900101123X"),
        ("身份证号320682199001011234", "320682199001011234"),
        ("旧身份证320682900101123", "320682900101123"),
        ("订单号 20250301123456", "20250301123456"),
        # Issue 20, point 10: full-width and separated forms, messaging ids, addresses.
        ("电话139.1234.5678", "139.1234.5678"),
        ("电话１３９ １２３４ ５６７８", "１３９ １２３４ ５６７８"),
        ("电话 139 - 1234 - 5678", "139 - 1234 - 5678"),
        ("邮箱wang＠example．com", "wang＠example．com"),
        ("邮箱 wang at example dot com", "wang at example dot com"),
        ("邮箱 wang(at)example(dot)com", "wang(at)example(dot)com"),
        ("邮箱 wang艾特example点com", "wang艾特example点com"),
        ("加我微信：wangxm_1988", "wangxm_1988"),
        ("ＶＸ号 abc_12345", "abc_12345"),
        ("QQ 12345", "12345"),
        ("寄到崇川区幸福路88号3栋2单元501室", "幸福路88号3栋2单元501室"),
        ("住阳光小区5幢302室", "阳光小区5幢302室"),
        ("ship to 88 Renmin Road please", "88 Renmin Road"),
        ("我叫赵六，想退货", "赵六"),
    ],
)
def test_personal_data_is_masked(text, secret):
    masked = mask_personal_data(text)
    assert secret not in masked
    assert MASK in masked


def test_the_consumers_name_is_masked_wherever_it_appears():
    masked = mask_personal_data("张三在店里买的，张三很生气", names=["张三"])
    assert "张三" not in masked
    assert masked.count(MASK) == 2


def test_ordinary_text_dates_prices_and_sizes_are_left_alone():
    text = "2025-03-01 买的床单，价格 1299 元，尺寸 180x200 厘米，洗了 3 次就褪色。"
    assert mask_personal_data(text) == text


def test_a_one_character_name_masks_nothing():
    assert mask_personal_data("王先生买了被子", names=["王"]) == "王先生买了被子"


# Invisible characters and Chinese numerals (finding F3) ---------------------------------------

# Every way of writing each digit the masker must read as that digit.
DIGIT_FORMS = {
    str(digit): forms
    for digit, forms in enumerate(
        [
            "0０〇零",
            "1１一幺壹",
            "2２二贰貳",
            "3３三叁參",
            "4４四肆",
            "5５五伍",
            "6６六陆陸",
            "7７七柒",
            "8８八捌",
            "9９九玖",
        ]
    )
}
# Zero-width space, non-joiner, joiner, word joiner, soft hyphen, left-to-right mark, BOM.
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\u200e", "\ufeff"]


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Call me on 138\u200b1234\u200b5678 please", "1234"),
        ("refund, ring 139\u200c0000\u200c1111", "0000"),
        ("或者打一三九一二三四五六七八", "一二三四"),
        ("电话壹叁捌壹贰叁肆伍陆柒捌", "壹贰叁肆"),
        ("电话138一2345678", "2345678"),
        ("电话幺三九 一二三四 五六七八", "五六七八"),
        ("邮箱zhang\u200b@\u200bexample.com", "example"),
        ("身份证号３２０６８２１９９００１０１１２３Ｘ", "１９９０"),
    ],
)
def test_numbers_split_by_invisible_characters_or_written_in_chinese_numerals_are_masked(
    text, secret
):
    masked = mask_personal_data(text)
    assert secret not in masked
    assert MASK in masked


phone_numbers = st.from_regex(r"\A1[3-9][0-9]{9}\Z")


@st.composite
def disguised(draw, number: str) -> str:
    """The number with each digit in any of its forms and invisible characters or spaces
    anywhere between digits."""
    pieces = []
    for position, digit in enumerate(number):
        if position:
            pieces.append(draw(st.text(st.sampled_from([*INVISIBLE, " "]), max_size=2)))
        pieces.append(draw(st.sampled_from(DIGIT_FORMS[digit])))
    return "".join(pieces)


@given(data=st.data(), number=phone_numbers)
@settings(max_examples=200, deadline=None)
def test_a_phone_number_however_disguised_leaves_no_digit_behind(data, number):
    phone = data.draw(disguised(number))
    masked = mask_personal_data(f"质量太差，请打{phone}联系我")
    assert MASK in masked
    assert not any(form in masked for forms in DIGIT_FORMS.values() for form in forms)


def test_names_with_numerals_and_introduced_ones_are_still_masked():
    assert mask_personal_data("张三在店里买的", names=["张三"]) == f"{MASK}在店里买的"
    assert "赵六" not in mask_personal_data("我叫赵六，想退货")
    assert "王\u200b小明" not in mask_personal_data("王\u200b小明买的", names=["王小明"])


def test_ordinary_chinese_text_with_numerals_is_left_alone():
    text = "买了三件，一共五百元，第二天就褪色了，七八个邻居都看到了。"
    assert mask_personal_data(text) == text

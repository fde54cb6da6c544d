"""Masking personal data in published accounts."""

import pytest

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

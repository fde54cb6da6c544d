"""Masking personal data in texts that others read: a consumer's account as the member or a
regulator sees it without consent, and the anonymised accounts proposed for publication.

What is masked: e-mail addresses (also ``wang＠example．com``, ``wang at example dot com``,
``wang(at)example(dot)com``), phone, ID, card and order numbers (runs of seven or more digits,
also split by spaces, dots or dashes, ``139.1234.5678``, ``１３９ １２３４ ５６７８``; dates such
as 2025-03-01 are left alone), messaging ids named as such (WeChat, QQ …), street addresses
(``幸福路88号3栋2单元501室``, ``88 Renmin Road``), names a person introduces (``我叫…``,
``联系人：…``) and the names given — the consumer's and the member's staff — however they are
spaced or spelled (``王 小 明``, ``Wang  Xiaoming``, ``xiaoming wang``, ``王先生``).

The patterns run over a normalised copy of the text (``_normal_character``: NFKC turns
full-width letters, digits and punctuation into their ASCII forms; invisible format characters
such as zero-width spaces are dropped; Chinese numerals, ``一三九``, ``〇``/``零``, ``幺`` and
the financial ``壹贰叁``, become digits) whose every character remembers where it came from, so
the masks fall on the original text and everything else is left as the consumer wrote it. The
given names are normalised the same way, so ``张三`` is found as the text's ``张3``.
Chinese text has no spaces, so ``\\b`` does not separate "电话" from the digits that follow: the
patterns use look-arounds instead. Masking errs on the side of masking: a published account is
read by an administrator before it goes public.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

MASK = "***"

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Separators people put inside numbers, ids and names they spell out.
SPACING = r"[\s.\-·・_/*]"
# Characters NFKC leaves alone that people use as "@" or "." in addresses.
EXTRA_FORMS = {"。": ".", "﹒": ".", "｡": ".", "Ⓐ": "@", "ⓐ": "@"}
# Chinese numerals, as people write phone numbers to slip past filters: the ordinary ones, 幺
# (one, as a number is read aloud), and the financial ones, simplified and traditional.
CHINESE_DIGITS = {
    character: str(digit)
    for digit, characters in enumerate(
        ["〇零", "一幺壹", "二贰貳", "三叁參", "四肆", "五伍", "六陆陸", "七柒", "八捌", "九玖"]
    )
    for character in characters
}

TLDS = r"com|cn|net|org|edu|gov|cc|io|me|info|biz|co|hk|tw|mo|top|xyz|vip|club|site|online"
EMAIL = re.compile(
    r"[A-Za-z0-9._%+-]+[ \t]*@[ \t]*[A-Za-z0-9-]+(?:[ \t]?\.[ \t]?[A-Za-z0-9-]+)+",
)
# "wang at example dot com", "wang(at)example(dot)com", "wang艾特example点com"
_AT = r"(?:\s*(?:\(at\)|\[at\]|\{at\}|<at>|艾特|#)\s*|\s+at\s+)"
_DOT = r"(?:\s*(?:\(dot\)|\[dot\]|\{dot\}|<dot>|点)\s*|\s+dot\s+|\.)"
SPELLED_EMAIL = re.compile(
    rf"(?<![A-Za-z0-9])[A-Za-z0-9._%+-]+{_AT}[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)*{_DOT}"
    rf"(?:{TLDS})(?![A-Za-z0-9])",
    re.IGNORECASE,
)
# Resident ID numbers: 18 characters (the last may be X) or the old 15-digit form.
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
# Seven or more digits, alone or split by spaces, dots, dashes or brackets (phone numbers with
# or without +86, landlines with their area code, card and order numbers).
DIGITS = re.compile(r"(?<![\dA-Za-z])(?:\+\s?)?\(?\d(?:[\s.\-·/()]{0,3}\d){6,}(?![\dA-Za-z])")
# A date is not personal: 2025-03-01, 2025.3.1, 2025/03/01, 20250301 as YYYY MM DD.
DATE = re.compile(r"(?:19|20)\d\d([\-./ ]?)(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01])")
# The code of a standard before its number (GB 18401-2010, GB/T 2910.1-2009, FZ/T 62011):
# standards are what quality complaints are about, never personal.
STANDARD_CODE = re.compile(
    r"(?:GB(?:/[TZ])?|[A-Z]{2}/T|T/[A-Z]{2,10}|Q/[A-Z0-9]{2,10}|ISO|IEC|EN|ASTM)\s*$"
)
# Messaging accounts named as such: the id after the name of the service.
MESSAGING = re.compile(
    r"(?:微信号?|威信|薇信|[Vv]信|weixin|wechat|wx|vx|QQ号?|扣扣|企鹅号|抖音号?|支付宝|"
    r"whatsapp|telegram|line|skype)"
    r"\s*(?:号码|号|账号|ID|id)?\s*(?:是|为|[:：=])?\s*"
    r"(?P<id>[A-Za-z][A-Za-z0-9_-]{5,19}|\d{5,12})(?![A-Za-z0-9_-])",
    re.IGNORECASE,
)
# Characters a Chinese place name is made of: not the little words around it.
_PLACE = rf"(?:[{CJK}A-Za-z0-9](?<![的在住是了我你他她们到从往于和与及把被向给寄送址为就也都还]))"
_ROOMS = r"(?:\s*-?\s*\d+\s*(?:号楼|栋|幢|座|单元|层|楼|室|号|户))*"
ADDRESS = re.compile(
    # 幸福路88号(3栋2单元501室), 人民中路100-2号
    rf"(?:{_PLACE}{{1,10}}(?:省|自治区|市|区|县|镇|乡|街道|村))*{_PLACE}{{1,8}}"
    rf"(?:路|街|大道|巷|弄|胡同|里)\s*\d+(?:\s*[-之]\s*\d+)?\s*号{_ROOMS}"
    # 阳光小区3栋2单元501室
    rf"|{_PLACE}{{2,10}}(?:小区|花园|公寓|大厦|新村|家园|苑|山庄)\s*\d+\s*(?:号楼|栋|幢|座){_ROOMS}"
    # 3栋2单元501室, 2单元501室
    r"|\d+\s*(?:号楼|栋|幢|座)\s*\d+\s*(?:单元|层|楼|室|号)" + _ROOMS + r"|\d+\s*单元\s*\d+\s*室"
    # 88 Renmin Road, No. 88 Xingfu Rd, Renmin Road No. 88
    r"|(?:No\.?\s*)?\d+[A-Za-z]?,?\s+(?:[A-Z][a-z]+\s+){1,3}"
    r"(?:Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Boulevard|Blvd|Drive|Dr|Alley)\b\.?"
    r"|(?:[A-Z][a-z]+\s+){1,3}(?:Road|Rd|Street|St|Avenue|Ave|Lane|Ln)\.?,?\s+No\.?\s*\d+",
)
# A person introduced by name.
INTRODUCED = re.compile(
    rf"(?:我叫|名叫|叫做|姓名|联系人|收件人|收货人|签收人|my name is|name:)\s*[:：是为]?\s*"
    # Digits too: a numeral of a name (赵六) is a digit in the normalised text.
    rf"(?P<name>[{CJK}0-9]{{2,3}}|[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)",
    re.IGNORECASE,
)
# What follows a surname when a person is named politely: 王先生, 李女士, 张经理.
HONORIFICS = "先生|女士|小姐|太太|夫人|师傅|经理|老师|主任|总"


def _normal_character(character: str) -> str:
    """One character as every pattern reads it: nothing for an invisible format character
    (Unicode category Cf: zero-width spaces and joiners, direction marks), which would split a
    number the reader sees whole; a digit for a Chinese numeral; else its NFKC form."""
    if unicodedata.category(character) == "Cf":
        return ""
    return (
        EXTRA_FORMS.get(character)
        or CHINESE_DIGITS.get(character)
        or unicodedata.normalize("NFKC", character)
    )


def _normalised(text: str) -> tuple[str, list[int]]:
    """The text as the patterns read it (``_normal_character``), and for each of its
    characters the index of the original one."""
    characters: list[str] = []
    origins: list[int] = []
    for index, character in enumerate(text):
        form = _normal_character(character)
        characters.append(form)
        origins.extend([index] * len(form))
    return "".join(characters), origins


def _name_patterns(names: Iterable[str]) -> Iterator[re.Pattern[str]]:
    for given in names:
        written = [c for c in unicodedata.normalize("NFKC", given) if c.isalnum()]
        name = _normalised(given)[0].strip()
        if len(written) < 2:
            continue
        # Chinese by how it is written: its numerals (张三) are digits once normalised.
        if all(re.match(rf"[{CJK}]", character) for character in written):
            letters = [_normal_character(character) for character in written]
            spaced = f"{SPACING}*".join(re.escape(character) for character in letters)
            yield re.compile(spaced)
            if len(letters) <= 4:
                yield re.compile(rf"{re.escape(letters[0])}\s*(?:{HONORIFICS})")
            continue
        words = re.findall(r"[^\W_]+", name)
        if sum(len(word) for word in words) < 4:
            continue
        orders = {tuple(words), tuple(reversed(words))}
        spelled = "|".join(
            f"{SPACING}*".join(f"{SPACING}*".join(map(re.escape, word)) for word in order)
            for order in orders
        )
        yield re.compile(rf"(?<![^\W\d_])(?:{spelled})(?![^\W\d_])", re.IGNORECASE)


def _spans(normal: str, names: Iterable[str]) -> Iterator[tuple[int, int]]:
    for pattern in (EMAIL, SPELLED_EMAIL, ID_NUMBER, ADDRESS):
        for match in pattern.finditer(normal):
            yield match.span()
    for match in DIGITS.finditer(normal):
        start, end = match.span()
        if DATE.fullmatch(match.group().strip("()")):
            continue
        if STANDARD_CODE.search(normal, max(0, start - 12), start):
            continue
        yield start, end
    for pattern, group in ((MESSAGING, "id"), (INTRODUCED, "name")):
        for match in pattern.finditer(normal):
            yield match.span(group)
    for pattern in _name_patterns(names):
        for match in pattern.finditer(normal):
            yield match.span()


def mask_personal_data(text: str, names: Iterable[str] = ()) -> str:
    """The text with contact details, ID numbers, addresses, messaging ids and the given names
    of persons masked (each run of them becomes one ``***``)."""
    if not text:
        return text
    normal, origins = _normalised(text)
    masked = [False] * len(text)
    for start, end in _spans(normal, names):
        if start < end:
            for index in range(origins[start], origins[end - 1] + 1):
                masked[index] = True
    if not any(masked):
        return text
    pieces: list[str] = []
    for index, character in enumerate(text):
        if not masked[index]:
            pieces.append(character)
        elif index == 0 or not masked[index - 1]:
            pieces.append(MASK)
    return "".join(pieces)

# Chinese dates as written in official notices: 2025年3月9日 (Django's own zh_Hans formats,
# restated so that the two languages are defined side by side).
DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = "Y年n月j日 H:i"
SHORT_DATE_FORMAT = "Y年n月j日"
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"
# Large figures are grouped by thousands with a comma, as in the National Bureau of
# Statistics' tables (Django's zh_Hans leaves them ungrouped).
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3

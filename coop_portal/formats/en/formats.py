# English dates for readers in China and abroad: day, month name, year, never the
# ambiguous US order (3/9/2025) of Django's default English formats.
DATE_FORMAT = "j F Y"  # 9 March 2025
DATETIME_FORMAT = "j F Y, H:i"  # 9 March 2025, 14:05
SHORT_DATE_FORMAT = "j M Y"  # 9 Mar 2025
SHORT_DATETIME_FORMAT = "j M Y, H:i"  # 9 Mar 2025, 14:05

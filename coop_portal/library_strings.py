"""Strings of third-party apps that the admin shows and that ship no Chinese translation.

django-axes marks its model and field names for translation but has no Chinese catalogue; marked
here, they are extracted into the project's catalogue and translated with the rest. Nothing
imports this module: ``gettext_noop`` only marks the strings for ``makemessages``.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

AXES = [
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("Access lock out"),
    gettext_noop("Attempt Time"),
    gettext_noop("Failed Logins"),
    gettext_noop("Form Data"),
    gettext_noop("GET Data"),
    gettext_noop("HTTP Accept"),
    gettext_noop("IP Address"),
    gettext_noop("Logout Time"),
    gettext_noop("Meta Data"),
    gettext_noop("POST Data"),
    gettext_noop("Path"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("User Agent"),
    gettext_noop("Username"),
]

# Django's own strings whose Chinese translation carries Latin punctuation: the form label's
# suffix (forms.Form.label_suffix, "社员:"), the changelist filter's title ("以 代码") and the
# search's result count ("0 条结果。"). The project's catalogue comes first, so its full-width
# translations replace Django's on Chinese pages.
DJANGO = [
    gettext_noop(":"),
    gettext_noop(" By %(filter_title)s "),
    ngettext_lazy("%(counter)s result", "%(counter)s results", "counter"),
    # The title of a page whose form has errors ("错误：…"), and the sentence after a saved
    # record's message, with their Latin colon and full stop.
    gettext_noop("Error:"),
    gettext_noop("You may edit it again below."),
    # The placeholder of the navigation's filter box ("开始输入以筛选...", Latin dots).
    gettext_noop("Start typing to filter…"),
]

# Django's words that read oddly in Chinese: the changelist's filter column is headed
# "过滤器" (a filter as a device), which also replaced the complaint desk's own "筛选"
# (Django's admin comes first among the apps' catalogues, so only the project's outranks it).
DJANGO_WORDS = [
    gettext_noop("Filter"),
]

# The headings that name the admin's list of apps for a screen reader (a hidden table header
# on every admin page): Django's Chinese catalogue has none, so Chinese pages read them in
# English.
DJANGO_UNTRANSLATED = [
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
]

# simple_history's history page of a record that has none says "该记录对象没有修改的记录",
# without its full stop; the project's wording replaces it on every history page.
SIMPLE_HISTORY = [
    gettext_noop("This object doesn't have a change history."),
]

"""A session's browser and system in words: "Chrome op Windows".

A small mapping, not a parser library: the sessions list only needs the family of the browsers
and systems people use at work, and the order of the checks is the whole trick (Edge and Opera
also say "Chrome", Chrome also says "Safari", every iPhone browser is Safari inside). A library
such as ua-parser would add a dependency and a thousand regular expressions to name, beyond
these, bots and old phones no one logs in with; what this does not know reads "onbekende
browser" and the full string stays in the title. tests/accounts/test_user_agents.py holds
real strings of each."""

from flask_babel import gettext as _

#: (token in the string, browser), first match wins.
_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("Opera", "Opera"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("Trident/", "Internet Explorer"),
)
#: (token, system), first match wins (Android before Linux, iPhone before "like Mac OS X").
_SYSTEMS = (
    ("Windows", "Windows"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def _first(string: str, table) -> str | None:
    return next((name for token, name in table if token in string), None)


def describe(user_agent: str | None) -> str:
    """ "Chrome op Windows", "Safari op iOS", "Firefox", or "onbekende browser"."""
    string = user_agent or ""
    browser, system = _first(string, _BROWSERS), _first(string, _SYSTEMS)
    if browser and system:
        return _("%(browser)s op %(system)s", browser=browser, system=system)
    if browser or system:
        return browser or _("onbekende browser op %(system)s", system=system)
    return _("onbekende browser")

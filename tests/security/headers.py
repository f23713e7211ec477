"""The checks of SECURITY.md § Headers on one response: the CSP and the other headers, no-store
when someone is logged in, no inline script or style in the HTML, and the sandbox of a file
shown inline. The route matrix applies them to every cell; test_headers.py to the pages outside
it."""

from html.parser import HTMLParser


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = (part.split() for part in policy.split(";") if part.strip())
    return {words[0]: words[1:] for words in directives}


def assert_security_headers(response, *, logged_in: bool):
    csp = csp_directives(response)
    assert csp.get("default-src") == ["'self'"]
    assert csp.get("object-src") == ["'none'"]
    assert csp.get("base-uri") == ["'none'"]
    assert csp.get("frame-ancestors") == ["'none'"]
    sources = " ".join(word for words in csp.values() for word in words)
    assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") in (
        "same-origin",
        "strict-origin-when-cross-origin",
        "no-referrer",
    )
    if logged_in:
        assert "no-store" in response.headers.get("Cache-Control", "")


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        names = {name.lower(): value for name, value in attrs}
        if tag == "script" and "src" not in names:
            self._in_inline_script = True
        if tag == "style":
            self.found.append("<style> block")
        for name, value in names.items():
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def assert_no_inline_code(response):
    if response.mimetype == "text/html":
        assert inline_code(response.get_data(as_text=True)) == []


def assert_sandboxed_preview(response):
    """A stored file shown inline has a CSP of its own: nothing loads but the file itself (the
    browser's PDF viewer needs object-src 'self'), no script runs (sandbox), and it is still
    never framed, sniffed or stored."""
    csp = csp_directives(response)
    assert csp.get("default-src") == ["'none'"] and "sandbox" in csp
    assert csp.get("base-uri") == ["'none'"] and csp.get("frame-ancestors") == ["'none'"]
    assert "script-src" not in csp
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Content-Disposition"].startswith("inline")

"""The XSS corpus through render() and sanitise(), judged on the parsed output.

The project's corpus (tests/security/test_xss.py: PAYLOADS) plus what rich text adds: HTML that
a sanitiser must take apart, obfuscated script URLs, SVG and MathML, and Markdown's own ways to
make a link or an image. Each payload goes through render() on its own and inside every kind of
block, through sanitise() as HTML, and as the display name of a mention.
"""

import pytest

from neig_workspace.richtext import excerpt, paragraphs, plain_text, render, sanitise
from tests.richtext.checks import assert_clean, elements, hrefs, tags
from tests.security.test_xss import PAYLOADS
from tests.security.test_xss import assert_clean as assert_clean_on_page

RICH_PAYLOADS = {
    # script elements
    "script_upper": "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "script_split": "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "script_unclosed": "<script>alert(1)",
    "script_after_close": "</p><script>alert(1)</script><p>",
    "double_open": "<<script>alert(1)//<</script>",
    # event handlers, many spellings
    "img_onerror_case": "<IMG SRC=x OnErRoR=alert(1)>",
    "img_onerror_slash": "<img/src=x/onerror=alert(1)>",
    "img_onerror_newline": "<img src=x onerror\n=alert(1)>",
    "img_onerror_entity": "<img src=x onerror=&#97;lert(1)>",
    "img_unclosed": "<img src=x onerror=alert(1)//",
    "body_onload": "<body onload=alert(1)>",
    "div_onmouseover": '<div onmouseover="alert(1)">x</div>',
    "a_onmouseover_backtick": "<a onmouseover=`alert(1)`>x</a>",
    "a_onmouseover_upper": '<a href="https://ok.example" ONMOUSEOVER="alert(1)">x</a>',
    "p_onclick_tab": '<p\tonclick="alert(1)">x</p>',
    "details_ontoggle": "<details open ontoggle=alert(1)>",
    "input_autofocus": "<input autofocus onfocus=alert(1)>",
    "video_onerror": "<video><source onerror=alert(1)></video>",
    # script URLs in HTML
    "href_js": '<a href="javascript:alert(1)">x</a>',
    "href_js_case": '<a href="JaVaScRiPt:alert(1)">x</a>',
    "href_js_space": '<a href="  javascript:alert(1)">x</a>',
    "href_js_tab_entity": '<a href="java&#x09;script:alert(1)">x</a>',
    "href_js_newline_entity": '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    "href_js_newline": '<a href="java\nscript:alert(1)">x</a>',
    "href_js_decimal": '<a href="&#106;avascript:alert(1)">x</a>',
    "href_js_hex": '<a href="&#x6A;avascript&#x3A;alert(1)">x</a>',
    "href_js_padded": '<a href="&#0000106&#0000097vascript:alert(1)">x</a>',
    "href_js_colon_entity": '<a href="javascript&colon;alert(1)">x</a>',
    "href_js_control": '<a href="\x01javascript:alert(1)">x</a>',
    "href_js_percent": '<a href="%6Aavascript:alert(1)">x</a>',
    "href_js_zero_width": '<a href="java\u200bscript:alert(1)">x</a>',
    "href_js_unquoted": "<a href=javascript:alert(1)>x</a>",
    "href_data": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "href_vbscript": '<a href="VBScript:msgbox(1)">x</a>',
    "href_style_class": '<a href="https://ok.example" style="x" class="y" id="z" target="_top">ok</a>',
    # SVG and MathML
    "svg_script": "<svg><script>alert(1)</script></svg>",
    "svg_onload": "<svg/onload=alert(1)>",
    "svg_xlink": '<svg><a xlink:href="javascript:alert(1)"><text x="1">x</text></a></svg>',
    "svg_animate": "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "svg_use": '<svg><use href="data:image/svg+xml,<svg id=x onload=alert(1)>#x"/></svg>',
    "math_href": '<math href="javascript:alert(1)">x</math>',
    "math_mglyph": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    # elements that load or take over
    "iframe": '<iframe src="javascript:alert(1)"></iframe>',
    "iframe_srcdoc": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "object": '<object data="javascript:alert(1)"></object>',
    "embed": '<embed src="javascript:alert(1)">',
    "style_import": '<style>@import "http://evil.example/x.css";</style>',
    "style_url": '<style>p{background:url("javascript:alert(1)")}</style>',
    "style_attr": '<p style="background:url(javascript:alert(1))">x</p>',
    "base": '<base href="http://evil.example/">',
    "form": '<form action="javascript:alert(1)"><button>x</button></form>',
    "formaction": '<button formaction="javascript:alert(1)">x</button>',
    "meta_refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "link_stylesheet": '<link rel="stylesheet" href="http://evil.example/x.css">',
    "img_external": '<img src="http://evil.example/pixel.png">',
    # malformed and comment tricks
    "unclosed_attr": '<a href="javascript:alert(1)"',
    "comment_breakout": '<!--<img src="--><img src=x onerror=alert(1)//">',
    "cdata": "<![CDATA[<script>alert(1)</script>]]>",
    "noscript": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "template": "<template><script>alert(1)</script></template>",
    "textarea": "<textarea><script>alert(1)</script></textarea>",
    # Markdown links, autolinks, reference links and images
    "md_js": "[x](javascript:alert(1))",
    "md_js_upper": "[x](JAVASCRIPT:alert(1))",
    "md_js_angle": "[x](<javascript:alert(1)>)",
    "md_js_title": '[x](javascript:alert(1) "t")',
    "md_js_tab_entity": "[x](java&#x09;script:alert(1))",
    "md_js_decimal": "[x](&#106;avascript:alert(1))",
    "md_js_hex": "[x](&#x6A;avascript&#x3A;alert(1))",
    "md_js_colon_entity": "[x](javascript&colon;alert(1))",
    "md_js_percent_newline": "[x](java%0ascript:alert(1))",
    "md_js_newline_angle": "[x](<java\nscript:alert(1)>)",
    "md_js_zero_width": "[x](java\u200bscript:alert(1))",
    "md_js_fullwidth": "[x](\uff4a\uff41\uff56\uff41\uff53\uff43\uff52\uff49\uff50\uff54:alert(1))",
    "md_js_escaped_colon": "[x](javascript\\:alert(1))",
    "md_vbscript": "[x](vbscript:msgbox(1))",
    "md_data_html": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "md_data_image": "[x](data:image/png;base64,iVBORw0KGgo=)",
    "md_autolink_js": "<javascript:alert(1)>",
    "md_autolink_js_case": "<JavaScript:alert(1)>",
    "md_autolink_vbscript": "<vbscript:msgbox(1)>",
    "md_autolink_data": "<data:text/html,<script>alert(1)</script>>",
    "md_reference_js": "[x][r]\n\n[r]: javascript:alert(1)",
    "md_reference_js_angle": "[x][r]\n\n[r]: <javascript:alert(1)> 'titel'",
    "md_reference_collapsed": "[r][]\n\n[r]: JaVaScRiPt:alert(1)",
    "md_image": "![x](http://evil.example/x.png)",
    "md_image_js": "![x](javascript:alert(1))",
    "md_image_reference": "![y][i]\n\n[i]: http://evil.example/y.png",
    "md_image_in_js_link": "[![x](http://evil.example/x.png)](javascript:alert(1))",
    "md_bare_js": "javascript:alert(1)",
    "md_quote_in_url": '[x](https://ok.example/"onmouseover="alert(1))',
    "md_quote_in_title": '[x](https://ok.example "t\\" onmouseover=\\"alert(1)")',
    "md_bare_url_breakout": 'https://ok.example/"><script>alert(1)</script>',
    "md_www_breakout": 'www.ok.example/"onmouseover="alert(1)',
    "md_code": "`<script>alert(1)</script>`",
    "md_fence": "```html\n<script>alert(1)</script>\n```",
    "md_fence_info": '```"><script>alert(1)</script>\nx\n```',
    "md_table": "| <script> | x |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |",
    "md_quote_iframe": "> <iframe src=javascript:alert(1)>",
    "md_heading_svg": "# <svg onload=alert(1)>",
    "md_html_block": "<div>\n\n*x*\n\n</div>",
    "md_nested_deep": "> " * 200 + "<script>alert(1)</script>",
    "md_list_deep": "".join("  " * i + "- x\n" for i in range(120)) + "<script>",
    # Unicode
    "rtl_override_script": "\u202e<script>alert(1)</script>",
    "zero_width_script": "<scr\u200bipt>alert(1)</scr\u200bipt>",
    "fullwidth_tag": "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    "bom_script": "\ufeff<script>alert(1)</script>",
    "line_separator": "\u2028<script>alert(1)</script>\u2029",
    "cyrillic_a": '<\u0430 href="javascript:alert(1)">x</\u0430>',
    "nul_in_tag": "<scr\x00ipt>alert(1)</script>",
}

CORPUS = {**{f"project_{k}": v for k, v in PAYLOADS.items()}, **RICH_PAYLOADS}

#: Every kind of block and inline a payload could sit in.
CONTEXTS = {
    "alone": "{}",
    "paragraph": "Tekst {} tekst",
    "list": "- {}\n- twee",
    "ordered": "1. {}",
    "quote": "> {}",
    "heading": "## {}",
    "emphasis": "**{}**",
    "link_text": "[{}](https://ok.example)",
    "table": "| a | b |\n|---|---|\n| {} | x |",
    "after_mention": "@a@b.nl {}",
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_render_gives_only_allowlisted_markup(name):
    for context, pattern in CONTEXTS.items():
        source = pattern.format(CORPUS[name])
        html = render(source, mentions={"a@b.nl": "Anna"})
        assert_clean(html, f"{name} in {context}")
        assert sanitise(html) == html, context  # render's output is left as it is
        for block in paragraphs(source, mentions={"a@b.nl": "Anna"}):
            assert_clean(block.html, f"{name} in {context}, paragraph {block.number}")


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_the_project_payloads_pass_the_page_check(name):
    """As tests/security/test_xss.py judges a page: the raw payload never comes back either
    (quotes in text are escaped as Jinja escapes them)."""
    for source in (PAYLOADS[name], f"- {PAYLOADS[name]}", f"`{PAYLOADS[name]}`"):
        assert_clean_on_page(render(source), PAYLOADS[name], name)


@pytest.mark.parametrize("name", list(CORPUS))
def test_sanitise_gives_only_allowlisted_markup(name):
    assert_clean(sanitise(CORPUS[name]), name)


@pytest.mark.parametrize("name", list(CORPUS))
def test_a_mention_name_is_text(name):
    payload = CORPUS[name]
    html = render("Vraag aan @a@b.nl.", mentions={"a@b.nl": payload})
    assert_clean(html, name)
    assert tags(html) == ["p", "span"]


@pytest.mark.parametrize("name", list(CORPUS))
def test_plain_text_and_excerpt_are_text(name):
    """No markup comes out of them, so a template escapes them like any other text."""
    payload = CORPUS[name]
    assert "\x00" not in plain_text(payload)
    assert len(excerpt(payload)) <= 160


@pytest.mark.parametrize(
    "name", [k for k in RICH_PAYLOADS if k.startswith(("md_js", "md_vb", "md_data", "md_auto"))]
)
def test_a_markdown_script_link_is_no_link_at_all(name):
    assert hrefs(render(RICH_PAYLOADS[name])) == []


@pytest.mark.parametrize("name", [k for k in RICH_PAYLOADS if k.startswith("md_reference")])
def test_a_reference_to_a_script_url_is_no_link(name):
    assert hrefs(render(RICH_PAYLOADS[name])) == []


@pytest.mark.parametrize("name", [k for k in RICH_PAYLOADS if k.startswith("href_js")])
def test_sanitise_takes_the_href_off_an_obfuscated_script_link(name):
    html = sanitise(RICH_PAYLOADS[name])
    assert tags(html) == ["a"] and hrefs(html) == []


@pytest.mark.parametrize("name", ["md_image", "md_image_reference", "img_external"])
def test_no_image_is_loaded_from_outside(name):
    for html in (render(RICH_PAYLOADS[name]), sanitise(RICH_PAYLOADS[name])):
        assert "img" not in tags(html)
        assert all("src" not in attrs for _, attrs in elements(html))


def test_raw_markup_in_the_source_shows_as_the_text_it_was():
    html = render(RICH_PAYLOADS["svg_onload"])
    assert "&lt;svg/onload=alert(1)&gt;" in html
    assert plain_text(RICH_PAYLOADS["svg_onload"]) == "<svg/onload=alert(1)>"


def test_fullwidth_brackets_stay_harmless_text():
    html = render(RICH_PAYLOADS["fullwidth_tag"])
    assert tags(html) == ["p"] and "\uff1cscript\uff1e" in html


def test_a_link_keeps_its_quotes_inside_the_attribute():
    html = render(RICH_PAYLOADS["md_quote_in_url"])
    ((tag, attrs),) = [(t, a) for t, a in elements(html) if t == "a"]
    assert set(attrs) == {"href", "rel"}
    assert attrs["href"] == "https://ok.example/%22onmouseover=%22alert(1)"  # encoded, inside


@pytest.mark.parametrize(
    "html",
    [
        "<img src=x>",
        "<script>alert(1)</script>",
        "<p onclick=x>a</p>",
        '<a href="java\tscript:alert(1)" rel="nofollow noopener noreferrer">x</a>',
        '<a href=" JAVASCRIPT:alert(1)" rel="nofollow noopener noreferrer">x</a>',
        '<a href="data:text/html,x" rel="nofollow noopener noreferrer">x</a>',
        '<a href="https://ok.example">no rel</a>',
        '<span class="evil">x</span>',
        '<p style="color:red">x</p>',
        "<svg><a>x</a></svg>",
        "<h1>x</h1>",
        "<!-- x -->",
    ],
)
def test_the_checker_sees_what_it_must(html):
    """The tests above can fail: the checker flags each of these."""
    with pytest.raises(AssertionError):
        assert_clean(html, "checker")

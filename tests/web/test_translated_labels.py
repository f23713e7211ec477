"""Lists translate their labels once per language (neig_workspace/translated.py) and link
their rows through one prefix (neig_workspace/links.py): the same words and the same URLs as
the lazy strings and url_for give, in either language."""

import pytest
from flask import url_for
from flask_babel import force_locale

from neig_workspace.cases.forms import STATUS_LABELS as CASE_STATUS_LABELS
from neig_workspace.documents.forms import STATUS_LABELS
from neig_workspace.links import path_before_id
from neig_workspace.translated import translated


@pytest.mark.one_database("labels and URLs, no database")
@pytest.mark.parametrize("labels", [STATUS_LABELS, CASE_STATUS_LABELS])
def test_the_translated_labels_read_as_the_lazy_ones_in_each_language(app, labels):
    with app.test_request_context("/"):
        for locale in ("nl", "en", "nl"):
            with force_locale(locale):
                table = translated(labels)
                assert table == {code: str(text) for code, text in labels.items()}
                assert all(type(text) is str for text in table.values())
        with force_locale("nl"):
            dutch = translated(labels)
        with force_locale("en"):
            english = translated(labels)
        assert dutch != english  # a table per language, not the first one asked for


@pytest.mark.one_database("labels and URLs, no database")
def test_a_row_link_is_the_prefix_and_its_id(app):
    with app.test_request_context("/"):
        for endpoint, argument in [
            ("documents.show", "document_id"),
            ("spaces.show", "space_id"),
            ("cases.show", "case_id"),
            ("actions.item", "item_id"),
            ("knowledge.show", "article_id"),
        ]:
            prefix = path_before_id(endpoint, argument)
            assert f"{prefix}{4711}" == url_for(endpoint, **{argument: 4711})
        with pytest.raises(ValueError, match="not the last part"):
            path_before_id("documents.index", "space_id")

"""The claim's line in My claims and the review queue (``{% claim_link claim %}``, ``{% timestamp %}``)."""

from __future__ import annotations

import datetime

import pytest
from django.template import engines
from django.utils import timezone, translation
from selectolax.lexbor import LexborHTMLParser

from annotations.templatetags.claim_tags import claim_link, timestamp
from tests import factories

pytestmark = pytest.mark.django_db


def line(claim) -> LexborHTMLParser:
    return LexborHTMLParser(f"<td>{claim_link(claim)}</td>")


def test_it_links_to_the_claim_on_its_article_and_escapes_every_text():
    article = factories.ArticleFactory(title="Budget <script>x</script>", outlet="Le <Monde> & co")
    claim = factories.ClaimFactory(article=article, statement="Taxes <rose> & fell")
    html = str(claim_link(claim))
    tree = line(claim)
    link = tree.css_first("a.claim-link")
    assert link.attributes["href"] == f"/articles/{article.pk}/?claim={claim.pk}#claim-{claim.pk}"
    assert link.text() == f"#{claim.pk} Taxes <rose> & fell"
    assert tree.css_first("cite").text() == "Budget <script>x</script>"
    assert "<script>" not in html and "Le &lt;Monde&gt; &amp; co" in html
    assert tree.css_first(".changes-badge") is None


@pytest.mark.parametrize(
    ("status", "badge"),
    [("in_review", "Resubmitted after changes requested"), ("researching", "Changes requested")],
)
def test_a_claim_sent_back_carries_its_badge(status, badge):
    claim = factories.ClaimFactory(status=status)
    claim.changes_requested = True
    assert line(claim).css_first(".changes-badge").text() == badge


def test_its_words_follow_the_interface_language():
    claim = factories.ClaimFactory(status="researching", article=factories.ArticleFactory(outlet=""))
    claim.changes_requested = True
    with translation.override("es"):
        tree = line(claim)
    assert tree.css_first(".changes-badge").text() != "Changes requested"
    assert not tree.css_first("div.muted").text().startswith("in ")


@pytest.mark.parametrize("language", ["en-gb", "ar", "es", "fr"])
@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/New_York"])
def test_the_timestamp_reads_as_the_date_filters_do_in_every_language_and_zone(language, zone):
    filters = engines["django"].from_string(
        """<time datetime="{{ moment|date:'c' }}">{{ moment|date:"j M Y, H:i" }}</time>"""
    )
    for month in range(1, 13):
        moment = datetime.datetime(2026, month, 3, 23, 5, 7, 123456, tzinfo=datetime.UTC)
        with translation.override(language), timezone.override(zone):
            assert str(timestamp(moment)) == filters.render({"moment": moment})
    assert str(timestamp(None)) == ""


# --- whole rows: {% my_claims_rows %} and {% queue_rows %} (issue 19: the lists' rendering) ---------

#: The row loops the templates had before the rows were built in one tag: the reference markup.
MY_CLAIMS_LOOP = """{% load claim_tags %}{% for claim in claims %}
      <tr>
        <td>{% claim_link claim %}</td>
        <td>{{ claim.claimant|default:"—" }}</td>
        <td>{% verdict_pill claim.verdict %}</td>
        <td>{% timestamp claim.updated_at %}</td>
      </tr>
    {% endfor %}"""
FINISHED_LOOP = """{% load claim_tags %}{% for claim in claims %}
      <tr>
        <td>{% claim_link claim %}</td>
        <td><span class="status-pill status-{{ claim.status }}">{{ claim.get_status_display }}</span></td>
        <td>{% verdict_pill claim.verdict %}</td>
        <td>{% timestamp claim.updated_at %}</td>
      </tr>
    {% endfor %}"""
QUEUE_LOOP = """{% load i18n claim_tags %}{% for claim in claims %}
    <tr>
      <td>{% claim_link claim %}</td>
      <td>{% verdict_pill claim.verdict %}</td>
      <td>{{ claim.verdict_by.get_username|default:"—" }}</td>
      <td>{{ claim.n_sources }}{% if not claim.n_sources %} <span class="muted">{% translate "(none)" %}</span>{% endif %}</td>
      <td>{% if claim.submitted_at %}{% timestamp claim.submitted_at %} <span class="muted">({{ claim.submitted_at|ago }})</span>{% else %}—{% endif %}</td>
    </tr>
  {% endfor %}"""  # noqa: E501 (the template's own lines)


def awkward_claims() -> list:
    """Claims with every case a row distinguishes: markup in each text, no outlet, no verdict,
    a badge in review and one while researching, no claimant, several verdicts (some repeated)."""
    from tests.factories import EditorFactory, RatingLabelFactory, rating

    odd_label = RatingLabelFactory(name="Half <true> & \"odd\"", colour="#A1b2C3", value=None)
    author = EditorFactory(username="ed<itor>&")
    claims = [
        factories.ClaimFactory(
            article=factories.ArticleFactory(title="Budget <b>x</b> & 'quotes'", outlet="Le <Monde> & co"),
            statement="Taxes <rose> & \"fell\"", claimant="Mayor <script>", status="researching",
            verdict=rating("false"), verdict_by=author,
        ),
        factories.ClaimFactory(article=factories.ArticleFactory(outlet=""), statement="", claimant="", status="new"),
        factories.ClaimFactory(status="in_review", verdict=odd_label, submitted_at=timezone.now()),
        factories.ClaimFactory(status="published", verdict=rating("false"), verdict_by=author,
                               submitted_at=timezone.now() - datetime.timedelta(days=3, hours=2)),
        factories.ClaimFactory(status="dismissed", statement="x" * 200),
    ]
    claims[0].changes_requested = True
    claims[2].changes_requested = True
    for number, claim in enumerate(claims):
        claim.n_sources = number % 3
    return claims


@pytest.mark.parametrize("language", ["en-gb", "ar"])
@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
def test_the_row_tags_write_what_the_row_loops_wrote_byte_for_byte(language, zone):
    from annotations.templatetags.claim_tags import my_claims_rows, queue_rows

    claims = awkward_claims()
    engine = engines["django"]
    with translation.override(language), timezone.override(zone):
        assert str(my_claims_rows(claims)) == engine.from_string(MY_CLAIMS_LOOP).render({"claims": claims})
        assert str(my_claims_rows(claims, finished=True)) == engine.from_string(FINISHED_LOOP).render(
            {"claims": claims}
        )
        assert str(queue_rows(claims)) == engine.from_string(QUEUE_LOOP).render({"claims": claims})
    assert str(my_claims_rows([])) == "" and str(queue_rows([])) == ""


def test_the_row_tags_run_no_queries(django_assert_num_queries):
    from annotations.templatetags.claim_tags import my_claims_rows, queue_rows

    claims = awkward_claims()
    for claim in claims:  # what the selectors join in, loaded before the tags run
        _ = claim.article, claim.verdict, claim.verdict_by
    with django_assert_num_queries(0):
        my_claims_rows(claims)
        my_claims_rows(claims, finished=True)
        queue_rows(claims)


#: The article list's row loop before it became {% article_rows %}: the reference markup.
ARTICLE_LOOP = """{% load i18n %}{% for article in page %}
    <tr>
      <td><a href="{{ article.get_absolute_url }}">{{ article.title }}</a></td>
      <td>{{ article.outlet|default:"—" }}</td>
      <td>{% if article.published_on %}<time datetime="{{ article.published_on|date:'Y-m-d' }}">{{ article.published_on|date:_("j M Y") }}</time>{% else %}<span class="muted">{% blocktranslate with date=article.created_at|date:_("j M Y") %}added {{ date }}{% endblocktranslate %}</span>{% endif %}</td>
      <td>
        <span class="claim-total">{{ article.n_claims }}</span>
        {% if article.status_counts %}
        <ul class="status-counts" aria-label="{% translate 'Claims by status' %}">
          {% for item in article.status_counts %}<li><span class="status-pill status-{{ item.status }}">{{ item.count }} {{ item.label }}</span></li>{% endfor %}
        </ul>
        {% endif %}
      </td>
    </tr>
  {% endfor %}"""  # noqa: E501 (the template's own lines)


def awkward_articles() -> list:
    """Articles with every case a row distinguishes: markup in title and outlet, no outlet, a
    publication date or none (added late in the evening, UTC: another day in Kolkata), claims
    in several statuses, in one, or none, and a count in the thousands."""
    from annotations.selectors import add_claim_counts

    late = datetime.datetime(2026, 3, 4, 22, 30, tzinfo=datetime.UTC)
    articles = [
        factories.ArticleFactory(title="Budget <b>x</b> & 'quotes'", outlet="Le <Monde> & co",
                                 published_on=datetime.date(2026, 1, 31)),
        factories.ArticleFactory(outlet="", published_on=None),
        factories.ArticleFactory(published_on=datetime.date(2026, 1, 31)),
        factories.ArticleFactory(published_on=None),
    ]
    factories.ClaimFactory(article=articles[0], status="new")
    factories.ClaimFactory(article=articles[0], status="in_review")
    factories.ClaimFactory(article=articles[0], status="in_review")
    factories.ClaimFactory(article=articles[1], status="published", verdict=factories.rating("false"))
    type(articles[1]).objects.filter(pk__in=[articles[1].pk, articles[3].pk]).update(created_at=late)
    for article in articles:
        article.refresh_from_db()
    articles = add_claim_counts(factories.EditorFactory(), articles)
    articles[2].n_claims = 12_345  # localised as the template would
    return articles


@pytest.mark.parametrize("language", ["en-gb", "ar", "fr"])
@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
def test_the_article_rows_write_what_the_row_loop_wrote_byte_for_byte(language, zone):
    from annotations.templatetags.claim_tags import article_rows

    articles = awkward_articles()
    with translation.override(language), timezone.override(zone):
        expected = engines["django"].from_string(ARTICLE_LOOP).render({"page": articles})
        assert str(article_rows(articles)) == expected
    assert "&lt;Monde&gt; &amp; co" in expected and "Budget &lt;b&gt;" in expected  # escaped, both ways
    assert "status-in_review" in expected and "status-published" in expected and "<ul" in expected
    assert str(article_rows([])) == ""


def test_the_article_rows_run_no_queries(django_assert_num_queries):
    from annotations.templatetags.claim_tags import article_rows

    articles = awkward_articles()
    with django_assert_num_queries(0):
        article_rows(articles)


#: The notifications page's loop before it became {% notification_items %}: the reference markup.
NOTIFICATION_LOOP = """{% load i18n claim_tags %}{% for item in notifications %}
  <li class="notification notification-{{ item.kind }}{% if not item.read_at %} notification-unread{% endif %}" data-notification="{{ item.pk }}">
    {% if not item.read_at %}<span class="unread-label">{% translate "Unread:" %}</span>{% endif %}
    <span class="notification-kind">{{ item.get_kind_display }}</span>{% if item.claim_id %} <span class="claim-ref-number">{{ item.claim_id|claim_number }}</span>{% endif %} —
    <a href="{% url 'review:notification_open' item.pk %}">{{ item.text }}</a>
    <time class="muted" datetime="{{ item.created_at|date:'c' }}">{{ item.created_at|ago }}</time>
    {% if not item.read_at %}
    <form method="post" action="{% url 'review:notification_read' item.pk %}" class="inline-form">{% csrf_token %}<button type="submit" class="link-button">{% translate "Mark as read" %}</button></form>
    {% endif %}
  </li>
  {% endfor %}"""  # noqa: E501 (the template's own lines)


def awkward_notifications() -> list:
    """Read and unread, with and without a claim, markup in the text, one a moment ago and one
    late in the evening, UTC (another day in Kolkata)."""
    from annotations.models import Notification

    user = factories.FactCheckerFactory()
    late = datetime.datetime(2026, 3, 4, 22, 30, 5, 123456, tzinfo=datetime.UTC)
    items = [
        factories.NotificationFactory(recipient=user, message="Ann <b>\"said\"</b> & 'more'"),
        factories.NotificationFactory(recipient=user, claim=None, kind=Notification.Kind.MENTIONED, read_at=late),
        factories.NotificationFactory(recipient=user, kind=Notification.Kind.PUBLISHED),
    ]
    Notification.objects.filter(pk=items[2].pk).update(created_at=late)
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


@pytest.mark.parametrize("language", ["en-gb", "ar"])
@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
@pytest.mark.parametrize("token", ["abc<>&\"token", "NOTPROVIDED", None])
@pytest.mark.filterwarnings("ignore:Calling format_html:DeprecationWarning")  # Django's own tag, the reference
def test_the_notification_items_write_what_the_loop_wrote_byte_for_byte(language, zone, token):
    items = awkward_notifications()
    context = {"notifications": items, "csrf_token": token}
    engine = engines["django"]
    with translation.override(language), timezone.override(zone):
        expected = engine.from_string(NOTIFICATION_LOOP).render(context)
        written = engine.from_string("{% load claim_tags %}{% notification_items notifications %}").render(context)
    assert written == expected
    assert "Ann &lt;b&gt;&quot;said&quot;&lt;/b&gt; &amp; &#x27;more&#x27;" in written
    assert written.count("notification-unread") == 2 and written.count("<form") == 2


def test_the_notification_items_run_no_queries(django_assert_num_queries):
    from django.template import Context

    from annotations.templatetags.claim_tags import notification_items

    items = awkward_notifications()
    with django_assert_num_queries(0):
        notification_items(Context({"csrf_token": "t"}), items)

"""Chinese search through the customer index, on whichever database runs the
suite (CI runs it on SQLite and on PostgreSQL)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import DomainError
from core.search import document_tokens, normalize, query_parse
from customers import services
from customers.models import Customer, CustomerSearchDocument
from customers.search import customer_index, pinyin_initials
from customers.tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def _found(q: str) -> set[str]:
    return set(
        customer_index.filter(Customer.objects.all(), q).values_list("name", flat=True)
    )


def test_any_two_character_substring_of_a_name_finds_it():
    CustomerFactory(name="华为技术有限公司")
    CustomerFactory(name="中兴通讯股份有限公司")
    assert _found("为技") == {"华为技术有限公司"}
    assert _found("华为技术") == {"华为技术有限公司"}
    assert _found("有限公司") == {"华为技术有限公司", "中兴通讯股份有限公司"}
    assert _found("技为") == set()


def test_terms_separated_by_spaces_must_all_be_found():
    CustomerFactory(name="上海恒通物流有限公司")
    CustomerFactory(name="上海瑞丰食品有限公司")
    assert _found("上海 恒通") == {"上海恒通物流有限公司"}
    assert _found("恒通 食品") == set()


def test_a_hit_is_rechecked_exactly_so_scattered_bigrams_do_not_match():
    """为技华为 holds the bigrams 华为 and 为技 but not the text 华为技."""
    CustomerFactory(name="为技华为商行")
    CustomerFactory(name="华为技术有限公司")
    assert _found("华为技") == {"华为技术有限公司"}


def test_pinyin_initials_and_full_pinyin_find_a_customer():
    CustomerFactory(name="华为技术有限公司")
    CustomerFactory(name="海王集团")
    assert pinyin_initials("华为技术有限公司") == "hwjsyxgs"
    assert _found("hwjs") == {"华为技术有限公司"}
    assert _found("HWJS") == {"华为技术有限公司"}
    assert _found("huawei") == {"华为技术有限公司"}
    assert _found("hw") == {"华为技术有限公司", "海王集团"}
    assert _found("hwjt") == {"海王集团"}


def test_phone_and_its_last_four_digits_find_a_customer():
    CustomerFactory(name="甲公司", phone="021-0123 5678")
    CustomerFactory(name="乙公司", phone="10012345678")
    assert _found("02101235678") == {"甲公司"}
    assert _found("5678") == {"甲公司", "乙公司"}
    assert _found("12345678") == {"乙公司"}
    assert _found("100123") == {"乙公司"}


def test_credit_code_and_full_width_input_find_a_customer():
    CustomerFactory(name="甲公司", credit_code="91350100M000100Y43")
    assert _found("91350100M000100Y43") == {"甲公司"}
    assert _found("９１３５０１００ｍ000100y43") == {"甲公司"}


def test_contacts_names_and_phones_find_their_customer():
    contact = ContactFactory(name="欧阳娜娜", mobile="10087654321")
    assert _found("阳娜") == {contact.customer.name}
    assert _found("4321") == {contact.customer.name}
    assert _found("oynn") == {contact.customer.name}


def test_private_contact_fields_are_never_indexed(archive):
    """Searching a hobby must not reveal whose contact has it."""
    assert _found("高尔夫") == set()
    assert _found("小学") == set()


def test_a_query_too_short_for_the_index_is_refused_on_field_q():
    for q in ["华", "a", "华 a", "", "  "]:
        with pytest.raises(DomainError) as info:
            query_parse(q)
        assert info.value.field == "q"
    with pytest.raises(DomainError):
        query_parse("华" * 101)


def test_a_single_character_inside_a_term_is_rechecked_not_indexed():
    CustomerFactory(name="ABC物流")
    assert _found("abc物") == {"ABC物流"}


def test_the_index_follows_every_change_through_the_services(users):
    agent = users["agent"]
    customer = services.customer_create(
        actor=agent, kind="organisation", name="旧名称公司"
    )
    assert _found("旧名") == {"旧名称公司"}
    services.customer_update(
        actor=agent, customer=customer, version=customer.version, name="新名字公司"
    )
    assert _found("旧名") == set()
    assert _found("名字") == {"新名字公司"}
    contact = services.contact_create(
        actor=agent, customer=customer, name="诸葛亮", mobile="10011112222"
    )
    assert _found("诸葛") == {"新名字公司"}
    services.contact_update(
        actor=agent, contact=contact, version=contact.version, mobile="10033334444"
    )
    assert _found("2222") == set()
    assert _found("4444") == {"新名字公司"}
    services.contact_delete(actor=agent, contact=contact)
    assert _found("诸葛") == set()
    services.customer_delete(
        actor=users["manager"], customer=customer, reason="重复登记"
    )
    assert _found("名字") == set()
    assert not CustomerSearchDocument.objects.filter(object_id=customer.pk).exists()


def test_a_token_spelled_null_is_searched_as_text():
    """An array element "null" must stay a string on PostgreSQL."""
    CustomerFactory(name="Null Pointer 软件")
    assert _found("null") == {"Null Pointer 软件"}


def test_search_goes_through_the_index_never_a_like_scan():
    CustomerFactory(name="华为技术有限公司")
    with CaptureQueriesContext(connection) as queries:
        assert _found("为技") == {"华为技术有限公司"}
    sql = queries.captured_queries[-1]["sql"].lower()
    assert " like " not in sql
    assert ("match" in sql) if connection.vendor == "sqlite" else ("@>" in sql)


def test_rebuild_replaces_the_whole_index():
    first = CustomerFactory(name="华为技术有限公司")
    CustomerSearchDocument.objects.all().delete()
    assert _found("为技") == set()
    count = customer_index.rebuild(Customer.objects.prefetch_related("contacts"))
    assert count == 1
    assert _found("为技") == {first.name}


def test_tokens_are_bigrams_words_prefixes_and_phone_tails():
    tokens = document_tokens(normalize("华为技术 HW-2024 13812345678"))
    assert {"华为", "为技", "技术"} <= tokens
    assert {"hw", "20", "202", "2024"} <= tokens
    assert {"1381234", "5678", "45678", "2345678"} <= tokens
    assert "华" not in tokens and "h" not in tokens


def test_a_search_page_is_newest_first_and_pages_across_the_window():
    """The documents lead (``narrow=0``: every queryset counts as wide)."""
    made = [CustomerFactory(name=f"恒通{i}号公司", tier="AB"[i % 2]) for i in range(7)]
    CustomerFactory(name="别的公司")
    seen, cursor = [], None
    for _ in range(10):
        page = customer_index.page(
            Customer.objects.all(), "恒通", cursor=cursor, limit=2, window=3, narrow=0
        )
        seen += [c.name for c in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [c.name for c in reversed(made)]
    only_a = customer_index.page(
        Customer.objects.filter(tier="A"),
        "恒通",
        cursor=None,
        limit=10,
        window=3,
        narrow=0,
    )
    assert [c.name for c in only_a.items] == [
        c.name for c in reversed(made) if c.tier == "A"
    ]


@pytest.mark.parametrize("narrow", [0, None])
def test_a_search_page_takes_at_most_four_queries(narrow):
    for i in range(12):
        CustomerFactory(name=f"恒通{i}号公司")
    with CaptureQueriesContext(connection) as queries:
        page = customer_index.page(
            Customer.objects.all(),
            "恒通",
            cursor=None,
            limit=5,
            window=4,
            narrow=narrow,
        )
    assert len(page.items) == 5 and page.next_cursor
    assert len(queries) <= 4
    with pytest.raises(DomainError) as info:
        customer_index.page(Customer.objects.all(), "恒通", cursor="bad", limit=5)
    assert info.value.field == "cursor"


def test_a_term_absent_from_the_newest_documents_is_sought_in_growing_ranges():
    """Not every document below the window at once: the next 3 × 8 ids, then
    the rest; the hits are the same, newest first."""
    old = [CustomerFactory(name=f"恒通{i}号公司") for i in range(3)]
    for i in range(30):
        CustomerFactory(name=f"别的{i}号商行")
    with CaptureQueriesContext(connection) as queries:
        page = customer_index.page(
            Customer.objects.all(), "恒通", cursor=None, limit=2, window=3, narrow=0
        )
    assert [c.name for c in page.items] == [old[2].name, old[1].name]
    assert page.next_cursor
    sought = [
        q["sql"]
        for q in queries.captured_queries
        if " MATCH " in q["sql"] or "@>" in q["sql"]
    ]
    assert len(sought) == 3, sought  # the newest 3, the 24 ids below, the rest
    rest = customer_index.page(
        Customer.objects.all(),
        "恒通",
        cursor=page.next_cursor,
        limit=2,
        window=3,
        narrow=0,
    )
    assert [c.name for c in rest.items] == [old[0].name] and not rest.next_cursor


def _pages(queryset, q, *, narrow, limit=2):
    """Every hit of ``q`` in ``queryset``, page by page, and the pages' sizes."""
    names, sizes, cursor = [], [], None
    for _ in range(20):
        page = customer_index.page(
            queryset, q, cursor=cursor, limit=limit, window=3, narrow=narrow
        )
        names += [c.name for c in page.items]
        sizes.append(len(page.items))
        cursor = page.next_cursor
        if cursor is None:
            return names, sizes
    raise AssertionError("the cursor never ends")


def test_a_narrow_view_finds_exactly_its_hits_newest_first_page_by_page():
    """A common term inside a narrow queryset: the rows lead, each one's
    document checked; the hits, their order and the pages are those of the
    documents-first search."""
    made = [
        CustomerFactory(name=f"恒通{i}号公司", tier="AB"[i % 3 % 2]) for i in range(9)
    ]
    CustomerFactory(name="恒通物流", tier="B")  # a hit outside the view
    CustomerFactory(name="别的公司", tier="A")  # in the view, not a hit
    CustomerFactory(name="恒大通达公司", tier="A")  # 恒 and 通 only apart
    CustomerFactory(name="通恒电器", tier="A")  # neither token
    view = Customer.objects.filter(tier="A")
    expected = [c.name for c in reversed(made) if c.tier == "A"]
    assert len(expected) == 6
    names, sizes = _pages(view, "恒通", narrow=100)
    assert names == expected and sizes == [2, 2, 2]
    assert _pages(view, "恒通", narrow=0) == (names, sizes)
    assert _pages(view, "恒通 公司", narrow=100)[0] == expected


def test_a_narrow_view_needs_the_substring_not_only_its_tokens():
    """Both bigrams of 恒通电 are in 恒通 通电, the substring is not: no hit,
    whichever leads; a Latin term matches words by their start only."""
    CustomerFactory(name="恒通 通电工程", tier="A")
    hit = CustomerFactory(name="恒通电器", tier="A")
    CustomerFactory(name="Xhwjs 贸易", tier="A")  # hwjs inside a word
    word = CustomerFactory(name="hwjs 贸易", tier="A")
    view = Customer.objects.filter(tier="A")
    for narrow in (100, 0):
        assert _pages(view, "恒通电", narrow=narrow)[0] == [hit.name]
        assert _pages(view, "hwjs", narrow=narrow)[0] == [word.name]


def test_the_narrow_plan_reads_each_row_s_document_by_its_key():
    for i in range(3):
        CustomerFactory(name=f"恒通{i}号公司", tier="A")
    with CaptureQueriesContext(connection) as queries:
        customer_index.page(
            Customer.objects.filter(tier="A"), "恒通", cursor=None, limit=2
        )
    sql = " ".join(q["sql"] for q in queries.captured_queries).lower()
    row = 'x."id"' if connection.vendor == "sqlite" else "c.pk"
    assert f"d.object_id = {row}" in sql  # each row's document, by its key
    assert " match " not in sql  # the documents holding 恒通 are not gathered


@pytest.mark.parametrize("rows", [2, 12])
def test_a_narrow_view_search_takes_three_queries(rows, django_assert_num_queries):
    for i in range(rows):
        CustomerFactory(name=f"恒通{i}号公司", tier="A")
        CustomerFactory(name=f"恒通{i}号商行", tier="B")
    view = Customer.objects.filter(tier="A").select_related("owner")
    with django_assert_num_queries(3):
        page = customer_index.page(view, "恒通", cursor=None, limit=25)
        names = [c.name for c in page.items]
    assert len(names) == rows and all(n.endswith("号公司") for n in names)


def test_an_empty_queryset_finds_nothing(django_assert_num_queries):
    CustomerFactory(name="恒通电子")
    with django_assert_num_queries(0):
        page = customer_index.page(
            Customer.objects.none(), "恒通", cursor=None, limit=25
        )
    assert page.items == [] and page.next_cursor is None

"""FAQ articles are found by any two or more characters of their question and
answer (the bigram index)."""

from core.search import SearchIndex
from knowledge.models import FaqArticle, FaqSearchDocument


def faq_parts(article: FaqArticle) -> list[str]:
    return [article.title, article.body]


faq_index = SearchIndex(FaqSearchDocument, parts=faq_parts)

"""The catalogue's search index: tantivy (a Rust full-text engine) in memory.

Built once from the versions a deployment serves today and replaced whole when they change
(:class:`catalogue.service_layer.catalogue.Catalogue` does that). Text is indexed as the
skeleton words of :mod:`catalogue.domain.search`, so Cyrillic, the official transliteration
and informal Latin give the same terms; a word of four letters or more also matches any
word within one edit (a typo, a missing or an extra letter, two swapped letters), and every
word matches as a prefix. Where a word matched decides the rank: the name first, then the
description, unit and legal basis, then the list of required documents.
"""
from __future__ import annotations

from functools import lru_cache

import tantivy

from ..domain.model import ServiceVersion
from ..domain.search import SearchQuery, query_words, skeleton, stem, tokens

# Score of one query word by where it matched (constant, so the rank says *where*, not how
# often) and how closely; a word's best match counts, summed over the query's words.
WEIGHTS = {"name": 8.0, "body": 2.0, "docs": 1.0}
EXACT, PREFIX, ONE_EDIT, ONE_EDIT_PREFIX = 1.0, 0.75, 0.6, 0.4
FUZZY_FROM = 4  # shorter words match exactly or as a prefix only
RESULTS_KEPT = 2048  # answers kept per index (a tuple of positions each)


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for field in WEIGHTS:
        builder.add_text_field(field, tokenizer_name="default", index_option="basic")
    builder.add_text_field("unit", tokenizer_name="default", index_option="basic")
    builder.add_text_field("eservice", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("channel", tokenizer_name="raw", index_option="basic")
    return builder.build()


class TantivyServiceIndex:
    """:class:`AbstractServiceIndex` over the given versions (tantivy doc id = position)."""

    def __init__(self, versions: list[ServiceVersion]):
        self.versions = sorted(versions, key=lambda v: (v.content.name, v.code))
        # Equal scores: the name with fewer words beyond the query's ranks first ("скица виза"
        # means "Издаване на скица – виза" before "... комбинирана скица – виза").
        self.name_words = [len(tokens(v.content.name)) for v in self.versions]
        self.schema = _schema()
        self.index = tantivy.Index(self.schema)  # no path: in memory
        writer = self.index.writer(heap_size=15_000_000, num_threads=1)
        for v in self.versions:
            writer.add_document(self._document(v))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()
        # One segment, docs in insertion order: a hit's doc id is its position (checked here).
        assert self.searcher.num_segments <= 1 and self.searcher.num_docs == len(self.versions)
        # The index never changes (a change builds a new one), so an answer can be kept: the
        # same words in any spelling ("наследници", "naslednici") are one entry. Citizens'
        # queries repeat; a miss costs the tantivy search (~0.4-1 ms at 1,000 services).
        self._ranked = lru_cache(maxsize=RESULTS_KEPT)(self._rank)

    @staticmethod
    def _document(v: ServiceVersion) -> tantivy.Document:
        c = v.content
        body = " ".join([c.description or "", c.unit.name, c.code, c.register_id or "", c.who_may_apply or "",
                         *(b.label() for b in c.legal_basis)])
        doc = tantivy.Document(name=skeleton(c.name), body=skeleton(body),
                               docs=skeleton(" ".join(d.name for d in c.required_documents)),
                               unit=skeleton(c.unit.name), eservice="yes" if c.eservice else "no")
        for channel in c.request_channels:
            doc.add_text("channel", channel)
        return doc

    def search(self, query: SearchQuery) -> list[ServiceVersion]:
        key = (tuple(query_words(query.q)), query.eservice, query.channel, tuple(tokens(query.unit or "")),
               query.limit)
        return [self.versions[i] for i in self._ranked(key)]

    def _rank(self, key: tuple) -> tuple[int, ...]:
        """Positions of the matching versions, best first."""
        words, eservice, channel, unit_words, limit = key
        filters = self._filters(eservice, channel, unit_words)
        if not words:
            if not filters:
                return tuple(range(min(limit, len(self.versions))))
            ranked = tantivy.Query.boolean_query([(tantivy.Occur.Must, f) for f in filters])
        else:
            clauses = [(tantivy.Occur.Must, self._word(w)) for w in words]
            clauses += [(tantivy.Occur.Must, tantivy.Query.const_score_query(f, 0.0)) for f in filters]
            ranked = tantivy.Query.boolean_query(clauses)
        hits = self.searcher.search(ranked, limit=limit, count=False).hits
        # Equal scores: the shorter name first, then the name order (doc id = position by name).
        ranked = sorted(hits, key=lambda h: (-round(h[0], 4), self.name_words[h[1].doc], h[1].doc))
        return tuple(address.doc for _, address in ranked)

    def _word(self, word: str) -> tantivy.Query:
        """Best match of the word: exact, as a prefix (its article stripped too), or within
        one edit of a whole word or of a word's start."""
        Q, schema, places = tantivy.Query, self.schema, []
        for field, weight in WEIGHTS.items():
            matches = [(Q.term_query(schema, field, word), EXACT),
                       (Q.fuzzy_term_query(schema, field, stem(word), distance=0, prefix=True), PREFIX)]
            if len(word) >= FUZZY_FROM:
                matches += [(Q.fuzzy_term_query(schema, field, word, distance=1), ONE_EDIT),
                            (Q.fuzzy_term_query(schema, field, word, distance=1, prefix=True), ONE_EDIT_PREFIX)]
            places += [Q.const_score_query(q, weight * closeness) for q, closeness in matches]
        return Q.disjunction_max_query(places)

    def _filters(self, eservice, channel, unit_words) -> list[tantivy.Query]:
        Q, out = tantivy.Query, []
        if eservice is not None:
            out.append(Q.term_query(self.schema, "eservice", "yes" if eservice else "no"))
        if channel:
            out.append(Q.term_query(self.schema, "channel", channel))
        for word in unit_words:
            out.append(Q.fuzzy_term_query(self.schema, "unit", word, distance=0, prefix=True))
        return out

"""One search across incoming and outgoing documents (issue 8; decision 0018).

`tokens` (the words both databases index), `models` (one index row per document, the
extracted text of stored files, saved searches), `indexing` (keeping the index rows in
step with the documents), `backends` (the one dialect-specific part: how a term is
matched on PostgreSQL and on SQLite), `engine` (the search itself: filters, visibility,
ranking, keyset pages), `extract` + `texts` (the text inside attached files, by a
background job), `highlight` + `results` (what a hit shows), `saved` (saved searches),
`forms` + `views` (the /search page), `cli` (`flask search reindex|extract`).
"""

"""Digital signatures (ký số) of outgoing documents, and checking those of incoming ones.

`certificates`, `stamps`, `fonts` and `pdfsign` are pure (bytes in, bytes out: no Flask,
no database), so the PDF job and the tests use them directly. `models` and `services`
keep the uploaded PKCS#12 files, re-encrypted for the server, and the trust anchors
(decision 0011).
"""

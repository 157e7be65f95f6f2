"""Inter-agency exchange (QĐ 28/2018, QCVN 102:2016): edXML packets and their transport.

`edxml` is pure Python (lxml, no Flask, no database) so that the reference hub, the
forwarding jobs and the tests all build and read packets with the same rules.
"""

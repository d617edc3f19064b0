"""The desk's assessment reports (seed §6; issue 16, item 6): the figures of a day, week, month,
quarter or year per site, in the site's time zone.

Owns: periods (``periods``), the figures (``figures``: visitors by purpose and hour, time until
hosts replied, parcels, ratings, and any extra sections a provider hands in, such as the
tickets'), the chart (``chart``, a pure function to a Pillow image), and the exports
(``export``: CSV with a UTF-8 BOM and OWASP formula neutralisation; a PDF drawn with the
badges' fonts).

Must never: import Kivy, write to the store, or make figures up: a section nobody provides is
not shown.
"""

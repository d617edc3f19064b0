"""Emergency mode: the site's emergency state, its roll call, its peers on the LAN, its record.

Owns: the incident timeline folded from entries in hybrid-clock order (``timeline``), the roll
call of everyone who should be accounted for (``roster``), the use cases a supervisor and the
desk run (``service``), the exchange with the site's other kiosks without head office
(``peers``) and the roll call's printout (``rollcall_pdf``, ``printing``).

Must never: import Kivy or ``sync/``, wait on the network on a caller's thread, or accept an
entry from the LAN that the site's peer key did not seal.
"""

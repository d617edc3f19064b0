"""Deliveries left at reception (快递, 外卖, documents; issue 16, item 7).

Owns: the couriers a site offers (``couriers``), a parcel's life at the desk (``desk``:
received through the kiosk, collected at the console, uncollected on the console) and the
recipient's notice (``notice``: planned by the notifier worker from ``parcel.received``).

Must never: import Kivy, send anything itself (the notifier's channel threads do), or run the
visitor check-in flow for a courier.
"""

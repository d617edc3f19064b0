"""Typing on the kiosk: the pinyin input method and its index, and the directory search
that finds a host from Chinese, pinyin, initials or English.
"""

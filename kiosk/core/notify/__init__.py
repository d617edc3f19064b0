"""Telling hosts a visitor has arrived: channels (apprise), messages, signed reply
links, escalation and the notification worker. Never blocks a visitor.
"""

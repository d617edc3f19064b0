"""Directions: the building model and loading, routes across floors, step-by-step
phrasing, floor maps, and signed links to the route page on a phone.
"""

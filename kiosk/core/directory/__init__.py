"""The site's directory of departments and hosts: the demo data and loading a
directory file. Searching it is ``input.search``.
"""

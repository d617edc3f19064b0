"""Settings, message catalogues, the clock and the exception tree: what every other
package leans on. Never imports another package of the core.
"""

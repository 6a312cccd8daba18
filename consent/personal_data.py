"""The consent app's entries in the personal-data inventory (see customers/inventory.py).

The app has no models yet; each one it gains must be declared here, or the
`inventory.E001` system check fails.
"""

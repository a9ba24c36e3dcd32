"""Search: one box for a value (through the observable index) or free text (names, descriptions, labels, and
the names of objects related by `indicates` / `uses` / `attributed-to`), under the one visibility rule."""

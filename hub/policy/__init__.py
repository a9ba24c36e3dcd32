"""Access policy: TLP levels, principals, collection rules and the one visibility rule."""

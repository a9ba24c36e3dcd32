"""The newcomer's path: a demo hub with organisations, users, channels and real-looking intelligence."""

from __future__ import annotations

# WebSocket close codes (4000-4999 are the application's own).
NOT_AUTHENTICATED = 4401  # no valid credentials, or the session ended or expired
ORIGIN_REFUSED = 4403
TOO_SLOW = 4408
TOO_MANY_SOCKETS = 4429  # the user already has WS_MAX_PER_USER sockets open here
GOING_AWAY = 1001

from __future__ import annotations

# WebSocket close codes (4000-4999 are the application's own).
NOT_AUTHENTICATED = 4401
ORIGIN_REFUSED = 4403
TOO_SLOW = 4408
GOING_AWAY = 1001

"""An atomic sliding-window rate limit: at most N hits in any window, whatever the concurrency.

DRF's throttle reads a key's history from the cache, appends to it and writes it back: two
requests at once both read the same history and both get through (16 clients got twice
their limit). Here one hit is one atomic step:

- on Redis (production), one Lua script: drop the hits older than the window, count the
  rest, add this one if under the limit; Redis runs a script alone, and its own clock
  (``TIME``) dates every hit, so servers with skewed clocks share one window;
- on the local-memory cache (development, one process), the same steps under a lock.

Any other cache backend is refused: it could not make the step atomic across processes.
"""

import math
import threading
import time
import uuid
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# KEYS[1]: the key's sorted set of hits (score: microseconds); ARGV: window (µs), limit, a
# unique member. Returns {1, 0} when allowed, {0, µs until the oldest hit leaves} when not.
SLIDING_WINDOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
  return {1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window - now}
"""


@dataclass(frozen=True)
class Rate:
    limit: int
    window: int  # seconds

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """``"1200/min"``, ``"10/s"``, ``"5000/hour"``, ``"100000/day"`` (DRF's notation)."""
        count, _, period = text.partition("/")
        try:
            return cls(limit=int(count), window=PERIODS[period.strip()[:1]])
        except (KeyError, ValueError):
            raise ImproperlyConfigured(f"a rate is like '1200/min', not {text!r}") from None


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # whole seconds (at least 1) when refused, else 0


def hit(key: str, rate: Rate, *, cache_alias: str = "default") -> Verdict:
    """Count one hit on ``key``; refused when ``rate.limit`` hits are in the last window."""
    cache = caches[cache_alias]
    full_key = cache.make_and_validate_key(f"ratelimit:{key}")
    if isinstance(cache, RedisCache):
        allowed, wait_us = _script(cache_alias)(keys=[full_key], args=_args(rate))
        return _verdict(bool(allowed), wait_us / 1_000_000)
    if isinstance(cache, LocMemCache):
        return _hit_locally(cache, full_key, rate)
    raise ImproperlyConfigured(
        "the rate limit needs the Redis cache (REDIS_URL), or local memory in development"
    )


def _args(rate: Rate) -> list:
    return [rate.window * 1_000_000, rate.limit, uuid.uuid4().hex]


def _verdict(allowed: bool, wait: float) -> Verdict:
    return Verdict(allowed=allowed, retry_after=0 if allowed else max(1, math.ceil(wait)))


_scripts: dict[str, redis.commands.core.Script] = {}
_scripts_lock = threading.Lock()


def _script(alias: str):
    """The Lua script bound to a client of the cache's Redis (one pool per process)."""
    with _scripts_lock:
        if alias not in _scripts:
            location = settings.CACHES[alias]["LOCATION"]
            # Django's Redis cache writes to its first server: so does the script.
            first = location[0] if isinstance(location, list | tuple) else location.split(",")[0]
            client = redis.Redis.from_url(first)
            _scripts[alias] = client.register_script(SLIDING_WINDOW)
        return _scripts[alias]


_local_lock = threading.Lock()


def _hit_locally(cache: LocMemCache, key: str, rate: Rate) -> Verdict:
    """The script's steps in this process, under one lock (local memory is per process)."""
    with _local_lock:
        now = time.monotonic()
        hits = [moment for moment in cache.get(key, []) if moment > now - rate.window]
        if len(hits) < rate.limit:
            hits.append(now)
            cache.set(key, hits, timeout=rate.window)
            return _verdict(True, 0)
        cache.set(key, hits, timeout=rate.window)
        return _verdict(False, hits[0] + rate.window - now)

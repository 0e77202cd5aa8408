from __future__ import annotations

from strawberry.extensions.validation_cache import _get_validate_cache

ME = "query CacheProbe { me { user { email } } }"


async def test_repeated_queries_are_validated_once(client):
    admin = await client.sign_up()
    cache = _get_validate_cache(512)
    await client.execute(ME, token=admin.token)
    hits_before = cache.cache_info().hits

    for _ in range(3):
        await client.execute(ME, token=admin.token)

    assert cache.cache_info().hits - hits_before == 3

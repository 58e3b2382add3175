using System.Collections.Concurrent;

namespace Introserv.Identity.Features.SignIn;

// A bounded memory of recent answers, each kept for a fixed time: for checks that run on every request where a few
// seconds of staleness across replicas is acceptable, because the replica that changes an answer forgets it at once.
public sealed class RecentAnswers<TKey, TValue>(TimeProvider clock, TimeSpan lifetime, int capacity = 100_000)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, (TValue Value, long Until)> _entries = new();
    private long _forgotten;

    // Moves on every Forget and Clear: an answer read before a change must not be kept after it (SetUnlessForgotten).
    public long Generation => Interlocked.Read(ref _forgotten);

    public bool TryGet(TKey key, out TValue value)
    {
        if (_entries.TryGetValue(key, out var entry) && clock.GetTimestamp() < entry.Until)
        {
            value = entry.Value;
            return true;
        }

        value = default!;
        return false;
    }

    public void Set(TKey key, TValue value)
    {
        if (lifetime <= TimeSpan.Zero)
        {
            return;
        }

        if (_entries.Count >= capacity)
        {
            // Rare (a capacity's worth of distinct keys within one lifetime): start again rather than track ages.
            _entries.Clear();
        }

        _entries[key] = (value, clock.GetTimestamp() + (long)(lifetime.TotalSeconds * clock.TimestampFrequency));
    }

    // Keeps an answer read when Generation was generation, unless something was forgotten since: a read that raced a
    // change (it began before the change was saved and ends after the change forgot the old answer) is not kept.
    public void SetUnlessForgotten(TKey key, TValue value, long generation)
    {
        Set(key, value);
        if (Generation != generation)
        {
            _entries.TryRemove(key, out _);
        }
    }

    public void Forget(TKey key)
    {
        Interlocked.Increment(ref _forgotten);
        _entries.TryRemove(key, out _);
    }

    public void Clear()
    {
        Interlocked.Increment(ref _forgotten);
        _entries.Clear();
    }
}

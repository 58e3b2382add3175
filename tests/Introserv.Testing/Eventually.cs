namespace Introserv.Testing;

// The one way tests wait for something that happens in the background (a consumer, a job, a server starting):
// poll a condition until it holds or the patience runs out, then let the assertion say what was last seen.
public static class Eventually
{
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    // True as soon as the condition holds; false when it still does not after the timeout.
    public static async Task<bool> TrueAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return await ValueAsync(condition, held => held, timeout);
    }

    public static Task<bool> TrueAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return TrueAsync(() => Task.FromResult(condition()), timeout);
    }

    // Reads until the value is done (then returns it) or the timeout passes (then returns the last value read), so
    // the caller asserts on a value and a failure shows what was there.
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(done);
        var deadline = DateTime.UtcNow + (timeout ?? DefaultPatience);
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow >= deadline)
            {
                return value;
            }

            await Task.Delay(Interval);
        }
    }
}

namespace Introserv.Bench.Panel;

// Counts every HTTP request the generator sends (page loads, order actions, each step of a sign-in), so CPU per
// request divides by requests rather than by operations.
internal sealed class CountingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private static long _sent;

    public static long Sent => Interlocked.Read(ref _sent);

    protected override Task<HttpResponseMessage> SendAsync(
        HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _sent);
        return base.SendAsync(request, cancellationToken);
    }
}

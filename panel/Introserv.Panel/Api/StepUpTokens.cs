namespace Introserv.Panel.Api;

// A step-up token the person just earned (a code by call or text for one operation), waiting for the request it
// confirms: the next change sent to the gateway carries it in the Step-Up-Token header, once. A token confirms one
// operation of one account once, so it is never kept after it was sent.
public sealed class StepUpTokens
{
    public const string Header = "Step-Up-Token";

    private string? _pending;

    public void Hold(string token) => _pending = token;

    // Drops a held token its change did not take.
    public void Forget() => _pending = null;

    public string? Take(HttpMethod method)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (method == HttpMethod.Get || method == HttpMethod.Head)
        {
            return null;
        }

        var token = _pending;
        _pending = null;
        return token;
    }
}

// Puts a held step-up token on the next change sent (StepUpTokens).
public sealed class StepUpTokenHandler(StepUpTokens tokens) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(
        HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (tokens.Take(request.Method) is { } token)
        {
            request.Headers.Remove(StepUpTokens.Header);
            request.Headers.Add(StepUpTokens.Header, token);
        }

        return base.SendAsync(request, cancellationToken);
    }
}

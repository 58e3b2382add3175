namespace Introserv.Panel.Api;

// The Idempotency-Key of each action a person started on a page. A retry of the same action (the connection dropped,
// the gateway timed out) sends the same key, so the API does it at most once; an answer settles the action, and the
// next click is a new request.
public sealed class ActionKeys
{
    private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);

    public string For(string action) =>
        _keys.TryGetValue(action, out var key) ? key : _keys[action] = Guid.NewGuid().ToString("N");

    public bool Holds(string action) => _keys.ContainsKey(action);

    // Success and refusals are final; a failure that may not have reached the API (no answer, a 5xx) and a request
    // still in progress keep the key, so trying again cannot do it twice.
    public void Settle<T>(string action, ApiResult<T> result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Succeeded
            || result.Problem is { Status: >= 400 and < 500, Code: not "idempotency_request_in_progress" })
        {
            _keys.Remove(action);
        }
    }
}

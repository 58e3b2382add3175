using Introserv.Testing;

namespace Introserv.Bench.Panel;

internal sealed record Session(string AccessToken, string? RefreshToken, DateTimeOffset ExpiresAt);

// A benchmark customer: its tokens and the active orders the benchmark placed for it. An order being renewed or
// cancelled is checked out, so no two operations act on one order at once: the second would be refused as a
// conflict the panel (one customer, one click at a time) never causes, and would count as an error.
internal sealed class Customer(string login, Guid accountId)
{
    private readonly Lock _gate = new();
    private readonly List<Guid> _idle = [];
    private int _checkedOut;
    private volatile Session? _session;

    public string Login => login;

    public Guid AccountId => accountId;

    public Session Session => _session ?? throw new InvalidOperationException($"{login} has not signed in.");

    public int ActiveOrders
    {
        get
        {
            lock (_gate)
            {
                return _idle.Count + _checkedOut;
            }
        }
    }

    public void SignedIn(TokenSet tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        _session = new Session(
            tokens.AccessToken, tokens.RefreshToken, DateTimeOffset.UtcNow.AddSeconds(tokens.ExpiresIn));
    }

    public void Placed(Guid orderId)
    {
        lock (_gate)
        {
            _idle.Add(orderId);
        }
    }

    // One of the orders no operation is acting on, for this operation alone; null when there is none.
    public Guid? CheckOut()
    {
        lock (_gate)
        {
            if (_idle.Count == 0)
            {
                return null;
            }

            var index = Random.Shared.Next(_idle.Count);
            var orderId = _idle[index];
            _idle[index] = _idle[^1];
            _idle.RemoveAt(_idle.Count - 1);
            _checkedOut++;
            return orderId;
        }
    }

    // The operation is done and the order still active.
    public void Return(Guid orderId)
    {
        lock (_gate)
        {
            _checkedOut--;
            _idle.Add(orderId);
        }
    }

    // The operation cancelled the order.
    public void Ended()
    {
        lock (_gate)
        {
            _checkedOut--;
        }
    }

    // Any active order, to open its page (reading it needs no check-out).
    public Guid? AnyOrder()
    {
        lock (_gate)
        {
            return _idle.Count == 0 ? null : _idle[Random.Shared.Next(_idle.Count)];
        }
    }
}

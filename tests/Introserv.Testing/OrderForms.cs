namespace Introserv.Testing;

// A filled order form for a catalogue plan, as a customer fills it (GET /api/plans, orderForm): the operating system
// and hostname, and for a dedicated server the location.
public static class OrderForms
{
    public static Dictionary<string, string?> For(string planId)
    {
        ArgumentNullException.ThrowIfNull(planId);
        return planId.StartsWith("ds-", StringComparison.Ordinal)
            ? new() { ["os"] = "debian-12", ["hostname"] = "srv1.example.com", ["location"] = "sofia" }
            : new() { ["os"] = "debian-12", ["hostname"] = "vps1.example.com" };
    }

    // The body of POST /api/orders: the plan, the period and the plan's form filled in.
    public static Dictionary<string, object?> Body(string planId, int periodMonths) =>
        new() { ["planId"] = planId, ["periodMonths"] = periodMonths, ["fields"] = For(planId) };
}

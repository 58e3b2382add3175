using Introserv.BuildingBlocks.Hosting;
using Microsoft.Extensions.Options;

namespace Introserv.Orders.Features.Common;

// Orders:CallConfirmation. For an account that confirms sensitive operations by call, placing an order or confirming
// a plan change that charges more than Above[currency] needs a step-up token for the operation (confirm_order,
// change_plan). A currency not listed: every charge above zero.
public sealed class CallConfirmationOptions
{
    public const string Section = "Orders:CallConfirmation";

    public Dictionary<string, decimal> Above { get; set; } = new(StringComparer.OrdinalIgnoreCase) { ["EUR"] = 100m };

    public bool Covers(decimal amount, string currency) =>
        amount > 0 && (!Above.TryGetValue(currency, out var limit) || amount > limit);
}

// The check itself: null when the charge may go ahead; otherwise the refusal (nothing is charged). A token is spent
// only for a charge the rule covers.
public sealed class LargeChargeConfirmation(
    IOperationConfirmation confirmation, IOptions<CallConfirmationOptions> options)
{
    public async Task<ProblemHttpResult?> RequireAsync(
        Guid accountId, string operation, decimal amount, string currency, string? stepUpToken,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(currency);
        if (!options.Value.Covers(amount, currency))
        {
            return null;
        }

        var check = await confirmation.ConfirmAsync(accountId, operation, stepUpToken, cancellationToken);
        return check.Refusal();
    }
}

using System.Collections.Concurrent;
using Introserv.BuildingBlocks.Hosting;

namespace Introserv.Testing;

// Identity's answer to "does this account confirm the operation by call?" as a service's own tests script it: the
// accounts that confirm by call, the tokens issued for them (each spent once) and an outage. The real chain
// (Identity's setting, Verification's tokens, the call) is tested end to end through the gateway.
public sealed class ScriptedOperationConfirmation : IOperationConfirmation
{
    private readonly ConcurrentDictionary<Guid, bool> _byCall = new();
    private readonly ConcurrentDictionary<string, (Guid AccountId, string Operation)> _tokens = new();

    // While true, Identity cannot be asked.
    public bool Down { get; set; }

    public void ConfirmByCall(Guid accountId) => _byCall[accountId] = true;

    public string IssueToken(Guid accountId, string operation)
    {
        var token = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        _tokens[token] = (accountId, operation);
        return token;
    }

    public Task<ConfirmationCheck> ConfirmAsync(
        Guid accountId, string operation, string? stepUpToken, CancellationToken cancellationToken)
    {
        if (Down)
        {
            return Task.FromResult(new ConfirmationCheck(ConfirmationOutcome.Unavailable, operation));
        }

        if (!_byCall.ContainsKey(accountId))
        {
            return Task.FromResult(new ConfirmationCheck(ConfirmationOutcome.NotRequired, operation));
        }

        if (string.IsNullOrEmpty(stepUpToken))
        {
            return Task.FromResult(new ConfirmationCheck(ConfirmationOutcome.TokenRequired, operation));
        }

        var reason = !_tokens.TryRemove(stepUpToken, out var grant) ? "unknown_or_used"
            : grant.AccountId != accountId ? "other_account"
            : grant.Operation != operation ? "other_operation"
            : null;
        return Task.FromResult(reason is null
            ? new ConfirmationCheck(ConfirmationOutcome.Confirmed, operation)
            : new ConfirmationCheck(ConfirmationOutcome.TokenInvalid, operation, reason));
    }
}

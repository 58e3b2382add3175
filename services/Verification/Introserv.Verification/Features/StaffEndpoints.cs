using Introserv.Verification.Data;
using Introserv.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Verification.Features;

public sealed record GatewayAttemptResponse(
    Guid ChallengeId, DateTimeOffset At, string Delivery, string MaskedPhone, string Gateway, string GatewayName, string Outcome, int? HttpStatus, int LatencyMs, string? Error);

/// <summary>For support: which gateway was tried for a customer, how it ended and how long it took.</summary>
public static class StaffEndpoints
{
    public const int MaxLimit = 200;

    public static RouteGroupBuilder MapVerificationStaffEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/staff/verification").WithTags("Verification (staff)")
            .RequireAuthorization(AuthenticationExtensions.StaffPolicy);
        group.MapGet("/accounts/{accountId:guid}/gateway-attempts", ListAsync)
            .WithSummary("The telephony gateway attempts for an account, newest first (never a code)");
        return group;
    }

    private static async Task<Results<Ok<List<GatewayAttemptResponse>>, ValidationProblem>> ListAsync(
        Guid accountId, Guid? challengeId, int? limit, VerificationDbContext db, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxLimit)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"Between 1 and {MaxLimit}."] });
        }

        var query = db.GatewayAttempts.AsNoTracking().Where(a => a.AccountId == accountId);
        if (challengeId is { } id)
        {
            query = query.Where(a => a.ChallengeId == id);
        }

        var attempts = await query.OrderByDescending(a => a.At).ThenByDescending(a => a.Id).Take(limit ?? 50)
            .Select(a => new GatewayAttemptResponse(a.ChallengeId, a.At, a.Delivery, a.MaskedPhone, a.GatewayRole, a.GatewayName, a.Outcome, a.HttpStatus, a.LatencyMs, a.Error))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(attempts);
    }
}

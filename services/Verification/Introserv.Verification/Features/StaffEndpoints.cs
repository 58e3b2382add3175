using Introserv.ServiceDefaults;
using Introserv.Verification.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Verification.Features;

public sealed record GatewayAttemptResponse(
    Guid ChallengeId, DateTimeOffset At, string Delivery, string MaskedPhone, string Gateway, string GatewayName,
    string Outcome, int? HttpStatus, int LatencyMs, string? Error);

// For support: which gateway was tried for a customer, how it ended and how long it took.
public static class StaffEndpoints
{
    public static RouteGroupBuilder MapVerificationStaffEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/staff/verification").WithTags("Verification (staff)")
            .RequireAuthorization(AuthenticationExtensions.StaffPolicy);
        group.MapGet("/accounts/{accountId:guid}/gateway-attempts", ListAsync)
            .WithSummary(
                "The telephony gateway attempts for an account, newest first (never a code), paged by nextCursor")
            .Produces<Page<GatewayAttemptResponse>>(StatusCodes.Status200OK).Paged();
        return group;
    }

    private static async Task<Results<Ok<Page<GatewayAttemptResponse>>, ProblemHttpResult>> ListAsync(
        Guid accountId, Guid? challengeId, [AsParameters] PageQuery page, VerificationDbContext db,
        CancellationToken cancellationToken)
    {
        if (!page.TryRead(out long? before, out var problem))
        {
            return problem;
        }

        var query = db.GatewayAttempts.AsNoTracking().Where(a => a.AccountId == accountId);
        if (challengeId is { } id)
        {
            query = query.Where(a => a.ChallengeId == id);
        }

        if (before is { } last)
        {
            query = query.Where(a => a.Id < last);
        }

        var rows = await query.OrderByDescending(a => a.Id).Take(page.Take + 1)
            .Select(a =>
                new
                {
                    a.Id,
                    View = new GatewayAttemptResponse(a.ChallengeId, a.At, a.Delivery, a.MaskedPhone,
                        a.GatewayRole, a.GatewayName, a.Outcome, a.HttpStatus, a.LatencyMs, a.Error)
                })
            .ToListAsync(cancellationToken);
        var paged = page.PageOf(rows, a => PageCursor.Encode(a.Id));
        return TypedResults.Ok(
            new Page<GatewayAttemptResponse>([.. paged.Items.Select(a => a.View)], paged.NextCursor));
    }
}

using Introserv.BuildingBlocks.Messaging;
using Introserv.Profile.Contracts;

namespace Introserv.Profile.Features;

// The new country and why support changes it.
public sealed record ChangeCountryBody(
    [property: RequiredValue, TextLength(2), ProfileRules.CountryCode] string? Country,
    [property: RequiredValue, TextLength(StaffEndpoints.ReasonMinLength, StaffEndpoints.ReasonMaxLength)]
    string? Reason);

// Support's decision on a company and why.
public sealed record CompanyDecisionBody(
    [property: RequiredValue, OneOf(CompanyVerificationStatuses.Approved, CompanyVerificationStatuses.Rejected)]
    string? Decision,
    [property: RequiredValue, TextLength(StaffEndpoints.ReasonMinLength, StaffEndpoints.ReasonMaxLength)]
    string? Reason);

// Support's side: view a profile, change its country, approve or reject a company; each with a reason, audited.
public static class StaffEndpoints
{
    public const int ReasonMinLength = 3;
    public const int ReasonMaxLength = 500;

    public static RouteGroupBuilder MapProfileStaffEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/staff/profiles/{accountId:guid}").WithTags("Profile (staff)")
            .RequireAuthorization(AuthenticationExtensions.StaffPolicy).Problems(ProfileProblems.ProfileNotFound);
        group.MapGet("/", GetAsync).WithSummary("A customer's profile");
        group.MapGet(
            "/audit", (Guid accountId, [AsParameters] PageQuery page, ProfileDbContext db, CancellationToken ct) =>
                AuditEndpoints.ListAsync(db, accountId, page, ct))
            .WithSummary("A customer's profile audit, newest first, paged by nextCursor")
            .Produces<Page<AuditEntryResponse>>(StatusCodes.Status200OK).Paged();
        group.MapPut("/country", ChangeCountryAsync)
            .WithSummary("Change the customer's country (reason required)")
            .Produces<ProfileResponse>(StatusCodes.Status200OK);
        group.MapPost("/company-verification", DecideCompanyAsync)
            .WithSummary("Approve or reject the customer's company (reason required)")
            .WithDescription("decision: 'approved' or 'rejected'.")
            .Produces<ProfileResponse>(StatusCodes.Status200OK)
            .Problems(ProfileProblems.NotACompany);
        return group;
    }

    private static async Task<Results<Ok<ProfileResponse>, ProblemHttpResult>> GetAsync(
        Guid accountId, ProfileDbContext db, CancellationToken cancellationToken)
    {
        var profile = await db.FindProfileAsync(accountId, cancellationToken);
        return profile is null ? ProfileProblems.NotFound() : TypedResults.Ok(ProfileResponse.From(profile));
    }

    private static async Task<Results<Ok<ProfileResponse>, ProblemHttpResult>> ChangeCountryAsync(
        Guid accountId, ChangeCountryBody body, ClaimsPrincipal user, HttpContext context, ProfileDbContext db,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var country = ProfileRules.Country(body.Country);
        var reason = ProfileRules.Clean(body.Reason);

        var profile = await db.Profiles.FirstOrDefaultAsync(p => p.AccountId == accountId, cancellationToken);
        if (profile is null)
        {
            return ProfileProblems.NotFound();
        }

        var now = clock.GetUtcNow();
        var staffId = user.AccountId();
        var old = profile.Country;
        var changes = new ChangeSet(db, profile, "staff", staffId, context.ClientAddress()?.ToString(), now, reason);
        changes.Set("country", old, country, () => profile.Country = country);
        if (changes.Fields.Count > 0)
        {
            profile.UpdatedAt = now;
            db.AddIntegrationEvent(
                new CountryChanged(Guid.CreateVersion7(), now, accountId, old, country!, reason!, staffId), clock);
            db.AddIntegrationEvent(new ProfileUpdated(Guid.CreateVersion7(), now, accountId, changes.Fields), clock);
            await db.SaveChangesAsync(cancellationToken);
        }

        return TypedResults.Ok(ProfileResponse.From(profile));
    }

    private static async Task<Results<Ok<ProfileResponse>, ProblemHttpResult>> DecideCompanyAsync(
        Guid accountId, CompanyDecisionBody body, ClaimsPrincipal user, HttpContext context, ProfileDbContext db,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var decision = body.Decision!.Trim().ToLowerInvariant();
        var reason = ProfileRules.Clean(body.Reason);

        var profile = await db.Profiles.FirstOrDefaultAsync(p => p.AccountId == accountId, cancellationToken);
        if (profile is null)
        {
            return ProfileProblems.NotFound();
        }

        if (profile.ProfileType != ProfileTypes.Company)
        {
            return ProfileProblems.NotACompany.Result("This profile is an individual's.");
        }

        var now = clock.GetUtcNow();
        var staffId = user.AccountId();
        var changes = new ChangeSet(db, profile, "staff", staffId, context.ClientAddress()?.ToString(), now, reason);
        changes.Set("company.verification", profile.CompanyVerification, decision, () =>
        {
            profile.CompanyVerification = decision!;
            profile.CompanyVerificationReason = reason;
        });
        if (changes.Fields.Count > 0)
        {
            profile.UpdatedAt = now;
            db.AddIntegrationEvent(
                new CompanyVerificationChanged(Guid.CreateVersion7(), now, accountId, decision!, reason, staffId),
                clock);
            db.AddIntegrationEvent(new ProfileUpdated(Guid.CreateVersion7(), now, accountId, changes.Fields), clock);
            await db.SaveChangesAsync(cancellationToken);
        }

        return TypedResults.Ok(ProfileResponse.From(profile));
    }
}

public sealed record AuditEntryResponse(
    long Id, DateTimeOffset At, string Actor, string? Ip, string Field, string? OldValue, string? NewValue,
    string? Reason);

public static class AuditEndpoints
{
    public static RouteGroupBuilder MapProfileAuditEndpoints(this RouteGroupBuilder group)
    {
        ArgumentNullException.ThrowIfNull(group);
        group.MapGet("/audit",
            (ClaimsPrincipal user, [AsParameters] PageQuery page, ProfileDbContext db, CancellationToken ct) =>
                ListAsync(db, user.AccountId(), page, ct))
            .WithSummary(
                "Every change to the profile, newest first: time, who (customer, staff, system), IP, " +
                "field, old and new value")
            .Produces<Page<AuditEntryResponse>>(StatusCodes.Status200OK).Paged();
        return group;
    }

    public static async Task<Results<Ok<Page<AuditEntryResponse>>, ProblemHttpResult>> ListAsync(
        ProfileDbContext db, Guid accountId, PageQuery page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(page);
        if (!page.TryRead(out long? before, out var problem))
        {
            return problem;
        }

        var query = db.AuditEntries.AsNoTracking().Where(e => e.AccountId == accountId);
        if (before is { } id)
        {
            query = query.Where(e => e.Id < id);
        }

        var rows = await query.OrderByDescending(e => e.Id).Take(page.Take + 1)
            .Select(e => new AuditEntryResponse(e.Id, e.At, e.Actor, e.Ip, e.Field, e.OldValue, e.NewValue, e.Reason))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(page.PageOf(rows, e => PageCursor.Encode(e.Id)));
    }
}

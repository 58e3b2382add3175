using System.Security.Claims;
using Introserv.Notifications.Data;
using Introserv.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Notifications.Features;

public sealed record Money(decimal Amount, string Currency);

public sealed record NotificationEmails(string Account, string InvoicesOrders, string Support, string Complaints);

public sealed record SettingsResponse(bool NewsSubscription, Money? BalanceAlertThreshold, NotificationEmails Emails, int Version, DateTimeOffset UpdatedAt);

/// <summary>
/// A partial update: what is omitted keeps its value. <c>balanceAlertThreshold: null</c> turns the alert off;
/// leaving it out keeps today's threshold.
/// </summary>
public sealed record UpdateSettingsRequest(bool? NewsSubscription, string? InvoicesOrders, string? Support, string? Complaints, int? Version)
{
    private readonly Money? _balanceAlertThreshold;

    public Money? BalanceAlertThreshold
    {
        get => _balanceAlertThreshold;
        init
        {
            // The serializer sets a property only when the body names it, null included.
            _balanceAlertThreshold = value;
            ThresholdGiven = true;
        }
    }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool ThresholdGiven { get; private init; }
}

public static class SettingsEndpoints
{
    public const decimal MaxThreshold = 1_000_000m;

    public static RouteGroupBuilder MapNotificationEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/notifications").WithTags("Notifications").RequireAuthorization();
        group.MapGet("/settings", GetAsync).WithSummary("What is sent where: news, the low-balance alert threshold and the category addresses")
            .Problems(NotificationsProblems.SettingsNotFound);
        group.MapPut("/settings", UpdateAsync)
            .WithSummary("Change the notification settings")
            .WithDescription("Changes only what the body names. newsSubscription (bool), balanceAlertThreshold ({ amount >= 0, currency }, or null: off; omitted: unchanged), invoicesOrders, support, complaints (addresses). " +
                "validation_failed names every field; with 'version', settings_version_mismatch when another change came first.")
            .Produces<SettingsResponse>(StatusCodes.Status200OK)
            .Problems(NotificationsProblems.SettingsNotFound, NotificationsProblems.SettingsVersionMismatch);
        group.MapGet("/", NotificationLog.ListAsync).WithSummary("What was sent (or is being sent), newest first, paged by nextCursor")
            .Produces<Page<NotificationEntry>>(StatusCodes.Status200OK).Paged();
        return group;
    }

    private static async Task<Results<Ok<SettingsResponse>, ProblemHttpResult>> GetAsync(ClaimsPrincipal user, NotificationsDbContext db, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var settings = await db.Settings.AsNoTracking().FirstOrDefaultAsync(s => s.AccountId == accountId, cancellationToken);
        return settings is null ? NotFound() : TypedResults.Ok(View(settings));
    }

    private static async Task<IResult> UpdateAsync(
        UpdateSettingsRequest request, ClaimsPrincipal user, NotificationsDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (field, value) in new[] { ("invoicesOrders", request.InvoicesOrders), ("support", request.Support), ("complaints", request.Complaints) })
        {
            if (value is not null && !IsEmail(value.Trim()))
            {
                errors[field] = ["A valid email address."];
            }
        }

        if (request.BalanceAlertThreshold is { } threshold)
        {
            if (threshold.Amount < 0 || threshold.Amount > MaxThreshold || decimal.Round(threshold.Amount, 2) != threshold.Amount)
            {
                errors["balanceAlertThreshold.amount"] = [$"Between 0 and {MaxThreshold}, at most two decimals."];
            }

            if (threshold.Currency is not { Length: 3 } currency || !currency.All(char.IsAsciiLetterUpper))
            {
                errors["balanceAlertThreshold.currency"] = ["An ISO 4217 code such as EUR."];
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var accountId = user.AccountId();
        var settings = await db.Settings.FirstOrDefaultAsync(s => s.AccountId == accountId, cancellationToken);
        if (settings is null)
        {
            return NotFound();
        }

        if (request.Version is { } version && version != settings.Version)
        {
            return Mismatch(settings.Version);
        }

        settings.NewsSubscription = request.NewsSubscription ?? settings.NewsSubscription;
        settings.InvoicesOrdersEmail = request.InvoicesOrders?.Trim() ?? settings.InvoicesOrdersEmail;
        settings.SupportEmail = request.Support?.Trim() ?? settings.SupportEmail;
        settings.ComplaintsEmail = request.Complaints?.Trim() ?? settings.ComplaintsEmail;
        var newThreshold = request.ThresholdGiven ? request.BalanceAlertThreshold?.Amount : settings.BalanceAlertThreshold;
        var newCurrency = request.ThresholdGiven ? request.BalanceAlertThreshold?.Currency : settings.BalanceAlertCurrency;
        if (newThreshold != settings.BalanceAlertThreshold || newCurrency != settings.BalanceAlertCurrency)
        {
            // A new threshold is armed afresh: the next balance below it alerts.
            settings.BalanceAlertThreshold = newThreshold;
            settings.BalanceAlertCurrency = newCurrency;
            settings.BalanceBelowThreshold = false;
        }

        settings.Version++;
        settings.UpdatedAt = clock.GetUtcNow();
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Mismatch(await db.Settings.AsNoTracking().Where(s => s.AccountId == accountId).Select(s => s.Version).FirstAsync(cancellationToken));
        }

        return TypedResults.Ok(View(settings));
    }

    public static bool IsEmail(string? value) =>
        value is { Length: >= 3 and <= 254 } && System.Net.Mail.MailAddress.TryCreate(value, out var parsed)
        && string.Equals(parsed.Address, value, StringComparison.Ordinal) && value.IndexOf('@', StringComparison.Ordinal) is > 0 and var at
        && value.IndexOf('.', at) > at + 1 && !value.EndsWith('.');

    private static SettingsResponse View(NotificationSettings settings) => new(
        settings.NewsSubscription,
        settings.BalanceAlertThreshold is { } amount ? new Money(amount, settings.BalanceAlertCurrency!) : null,
        new NotificationEmails(settings.AccountEmail, settings.InvoicesOrdersEmail, settings.SupportEmail, settings.ComplaintsEmail),
        settings.Version,
        settings.UpdatedAt);

    private static ProblemHttpResult NotFound() => NotificationsProblems.SettingsNotFound.Result(
        "No notification settings for this account (a new account's appear within seconds of registration).");

    private static ProblemHttpResult Mismatch(int current) => NotificationsProblems.SettingsVersionMismatch.Result(
        "The settings changed after you read them; read them again.", new Dictionary<string, object?> { ["currentVersion"] = current });
}

public sealed record NotificationEntry(
    long Sequence, Guid Id, string Type, string Category, string Recipient, string Subject, string Status, int Attempts, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? SentAt);

public static class NotificationLog
{
    public static async Task<Results<Ok<Page<NotificationEntry>>, ProblemHttpResult>> ListAsync(
        ClaimsPrincipal user, [AsParameters] PageQuery page, NotificationsDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(page);
        if (!page.TryRead(out long? before, out var problem))
        {
            return problem;
        }

        var accountId = user.AccountId();
        var query = db.Notifications.AsNoTracking().Where(n => n.AccountId == accountId);
        if (before is { } sequence)
        {
            query = query.Where(n => n.Sequence < sequence);
        }

        var rows = await query.OrderByDescending(n => n.Sequence).Take(page.Take + 1)
            .Select(n => new NotificationEntry(n.Sequence, n.Id, n.Type, n.Category, n.Recipient, n.Subject, n.Status, n.Attempts, n.LastError, n.CreatedAt, n.SentAt))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(page.PageOf(rows, n => PageCursor.Encode(n.Sequence)));
    }
}

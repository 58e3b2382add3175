using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Introserv.BuildingBlocks.Hosting;
using Introserv.Notifications.Data;
using Introserv.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Notifications.Features;

public sealed record Money(
    [property: Range(typeof(decimal), "0", "1000000", ErrorMessage = "Between 0 and 1000000."), DecimalPlaces(2)]
    decimal Amount,
    [property: RequiredValue, TextLength(3),
        RegularExpression("^[A-Z]{3}$", ErrorMessage = "An ISO 4217 code such as EUR.")]
    string Currency);

public sealed record NotificationEmails(string Account, string InvoicesOrders, string Support, string Complaints);

public sealed record SettingsResponse(
    bool NewsSubscription, Money? BalanceAlertThreshold, NotificationEmails Emails, int Version,
    DateTimeOffset UpdatedAt);

// A partial update: what is omitted keeps its value. balanceAlertThreshold: null turns the alert off; leaving it out
// keeps today's threshold. The version read is required (If-Match or version), as for the profile: see Preconditions.
public sealed record UpdateSettingsRequest(
    bool? NewsSubscription = null,
    [property: Email, TextLength(EmailAttribute.MaxLength)] string? InvoicesOrders = null,
    [property: Email, TextLength(EmailAttribute.MaxLength)] string? Support = null,
    [property: Email, TextLength(EmailAttribute.MaxLength)] string? Complaints = null,
    int? Version = null)
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
        group.MapGet("/settings", GetAsync)
            .WithSummary("What is sent where: news, the low-balance alert threshold and the category addresses")
            .Problems(NotificationsProblems.SettingsNotFound);
        group.MapPut("/settings", UpdateAsync)
            .WithSummary("Change the notification settings")
            .WithDescription(
                "Changes only what the body names. newsSubscription (bool), balanceAlertThreshold ({ amount >= 0, " +
                "currency }, or null: off; omitted: unchanged), invoicesOrders, support, complaints (addresses). " +
                "Send the version read (If-Match or 'version'): precondition_required without, " +
                "settings_version_mismatch when another change came first. validation_failed names every field. " +
                "For an account that confirms sensitive operations by call, a change of address needs a step-up " +
                "token for change_notification_addresses in the Step-Up-Token header (step_up_required without).")
            .Problems(NotificationsProblems.SettingsNotFound,
                NotificationsProblems.SettingsVersionMismatch, NotificationsProblems.PreconditionRequired,
                NotificationsProblems.StepUpRequired, NotificationsProblems.ConfirmationUnavailable);
        group.MapGet("/", NotificationLog.ListAsync)
            .WithSummary("What was sent (or is being sent), newest first, paged by nextCursor")
            .Produces<Page<NotificationEntry>>(StatusCodes.Status200OK).Paged();
        return group;
    }

    private static async Task<Results<Ok<SettingsResponse>, ProblemHttpResult>> GetAsync(
        ClaimsPrincipal user, HttpContext context, NotificationsDbContext db, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var settings = await db.Settings
            .AsNoTracking()
            .FirstOrDefaultAsync(s => s.AccountId == accountId, cancellationToken);
        if (settings is null)
        {
            return NotFound();
        }

        context.Response.Headers.ETag = Preconditions.ETag(settings.Version);
        return TypedResults.Ok(View(settings));
    }

    private static async Task<Results<Ok<SettingsResponse>, ProblemHttpResult>> UpdateAsync(
        UpdateSettingsRequest request, ClaimsPrincipal user, HttpContext context, NotificationsDbContext db,
        IOperationConfirmation confirmation, TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var settings = await db.Settings.FirstOrDefaultAsync(s => s.AccountId == accountId, cancellationToken);
        if (settings is null)
        {
            return NotFound();
        }

        var expected = Preconditions.ExpectedVersion(context, request.Version);
        if (expected is null)
        {
            return Preconditions.Missing("settings");
        }

        if (expected != settings.Version)
        {
            return Mismatch(settings.Version);
        }

        var invoicesOrders = request.InvoicesOrders?.Trim() ?? settings.InvoicesOrdersEmail;
        var support = request.Support?.Trim() ?? settings.SupportEmail;
        var complaints = request.Complaints?.Trim() ?? settings.ComplaintsEmail;
        // Where invoices, support answers and complaints go is a sensitive change: an account that confirms sensitive
        // operations by call needs a step-up token for it (spent here; nothing is changed when refused).
        if (!SameAddress(invoicesOrders, settings.InvoicesOrdersEmail) || !SameAddress(support, settings.SupportEmail)
            || !SameAddress(complaints, settings.ComplaintsEmail))
        {
            var check = await confirmation.ConfirmAsync(
                accountId, ConfirmedOperations.ChangeNotificationAddresses, ConfirmedOperations.TokenOf(context),
                cancellationToken);
            if (check.Refusal() is { } refused)
            {
                return refused;
            }
        }

        settings.NewsSubscription = request.NewsSubscription ?? settings.NewsSubscription;
        settings.InvoicesOrdersEmail = invoicesOrders;
        settings.SupportEmail = support;
        settings.ComplaintsEmail = complaints;
        var newThreshold = request.ThresholdGiven
            ? request.BalanceAlertThreshold?.Amount
            : settings.BalanceAlertThreshold;
        var newCurrency = request.ThresholdGiven
            ? request.BalanceAlertThreshold?.Currency
            : settings.BalanceAlertCurrency;
        if (newThreshold != settings.BalanceAlertThreshold || newCurrency != settings.BalanceAlertCurrency)
        {
            // A new threshold is armed afresh: the next balance below it alerts.
            settings.BalanceAlertThreshold = newThreshold;
            settings.BalanceAlertCurrency = newCurrency;
            settings.BalanceBelowThreshold = false;
        }

        settings.UpdatedAt = clock.GetUtcNow();
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Mismatch(
                await db.Settings
                    .AsNoTracking()
                    .Where(s => s.AccountId == accountId)
                    .Select(s => s.Version)
                    .FirstAsync(cancellationToken));
        }

        context.Response.Headers.ETag = Preconditions.ETag(settings.Version);
        return TypedResults.Ok(View(settings));
    }

    private static SettingsResponse View(NotificationSettings settings) => new(
        settings.NewsSubscription,
        settings.BalanceAlertThreshold is { } amount ? new Money(amount, settings.BalanceAlertCurrency!) : null,
        new NotificationEmails(
            settings.AccountEmail, settings.InvoicesOrdersEmail, settings.SupportEmail, settings.ComplaintsEmail),
        settings.Version,
        settings.UpdatedAt);

    private static bool SameAddress(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static ProblemHttpResult NotFound() => NotificationsProblems.SettingsNotFound.Result(
        "No notification settings for this account (a new account's appear within seconds of registration).");

    private static ProblemHttpResult Mismatch(int current) => NotificationsProblems.SettingsVersionMismatch.Result(
        "The settings changed after you read them; read them again.",
        new Dictionary<string, object?> { ["currentVersion"] = current });
}

public sealed record NotificationEntry(
    long Sequence, Guid Id, string Type, string Category, string Recipient, string Subject, string Status, int Attempts,
    string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? SentAt);

public static class NotificationLog
{
    public static async Task<Results<Ok<Page<NotificationEntry>>, ProblemHttpResult>> ListAsync(
        ClaimsPrincipal user, [AsParameters] PageQuery page, NotificationsDbContext db,
        CancellationToken cancellationToken)
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
            .Select(n =>
                new NotificationEntry(n.Sequence, n.Id, n.Type, n.Category, n.Recipient,
                    n.Subject, n.Status, n.Attempts, n.LastError, n.CreatedAt, n.SentAt))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(page.PageOf(rows, n => PageCursor.Encode(n.Sequence)));
    }
}

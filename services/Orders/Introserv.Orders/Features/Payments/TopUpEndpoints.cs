using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Introserv.Profile.Grpc;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Introserv.Orders.Features.Payments;

public sealed record PaymentMethodResponse(
    string Id, string Name, string Currency, decimal MinAmount, decimal MaxAmount);

public sealed record PaymentMethodsResponse(
    string? Country, IReadOnlyList<PaymentMethodResponse> Methods, IReadOnlyList<string> PaymentBlockedReasons);

// Money for the balance through a payment method from GET /api/payment-methods.
public sealed record TopUpRequest(
    [property: RequiredValue,
        Range(typeof(decimal), "0.01", "100000", ErrorMessage = "More than 0 and at most 100000, in cents."),
        DecimalPlaces(2)]
    decimal? Amount,
    [property: RequiredValue, TextLength(3),
        RegularExpression("^[A-Z]{3}$", ErrorMessage = "An ISO 4217 code such as EUR.")]
    string? Currency,
    [property: RequiredValue(ErrorMessage = TopUpEndpoints.MethodMessage), TextLength(32)]
    string? Method);

public sealed record TopUpResponse(
    Guid Id, decimal Amount, string Currency, string Method, string Status, string? RedirectUrl,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? CompletedAt, string? FailureReason,
    long? LedgerSequence);

// The payment methods a customer may use, top-ups through their providers, and a customer's top-ups.
public static class TopUpEndpoints
{
    public const string MethodMessage = "A method id from GET /api/payment-methods.";

    public static IEndpointRouteBuilder MapTopUps(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/payment-methods", MethodsAsync).WithTags("Balance").RequireAuthorization()
            .WithSummary("The payment methods offered in the customer's country, and why payment is blocked if it is")
            .Answers<PaymentMethodsResponse>(StatusCodes.Status200OK, OrdersProblems.ServiceUnavailable);
        var topUps = app.MapGroup("/api/balance/top-ups").WithTags("Balance").RequireAuthorization();
        topUps.MapPost("/", CreateAsync)
            .WithSummary("Top up the balance through a payment method (Idempotency-Key header required)")
            .WithDescription("201 with the top-up (pending) and redirectUrl, the provider's page where the customer " +
                "pays; the balance is credited once the provider confirms the payment. A retry with the same key " +
                "answers the same top-up.")
            .Answers<TopUpResponse>(StatusCodes.Status201Created,
                [.. OrdersProblems.Keyed, .. OrdersProblems.PaymentBlocked, OrdersProblems.CurrencyMismatch,
                    OrdersProblems.PaymentMethodUnavailable, OrdersProblems.PaymentProviderUnavailable,
                    OrdersProblems.ServiceUnavailable]);
        topUps.MapGet("/", ListAsync)
            .WithSummary("Top-ups, newest first; filter by status (pending, succeeded, failed, expired); " +
                "paged by nextCursor")
            .Answers<Page<TopUpResponse>>(StatusCodes.Status200OK).Paged();
        topUps.MapGet("/{id:guid}", GetAsync)
            .WithSummary("One top-up and its status")
            .Answers<TopUpResponse>(StatusCodes.Status200OK, OrdersProblems.TopUpNotFound);
        return app;
    }

    public static TopUpResponse View(TopUp topUp, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(topUp);
        var status = TopUpRules.StatusAt(topUp, now);
        return new TopUpResponse(
            topUp.Id, topUp.Amount, topUp.Currency, topUp.Method, status,
            status == TopUpStatuses.Pending ? topUp.RedirectUrl : null, topUp.CreatedAt, topUp.ExpiresAt,
            topUp.CompletedAt, topUp.FailureReason, topUp.LedgerSequence);
    }

    // A top-up's id follows from the account, the Idempotency-Key and the request, so a retry after a lost commit
    // asks the provider for the same reference (and gets the same payment) instead of creating a second one, and a
    // retry with another amount never meets the first one's payment.
    public static Guid IdFor(Guid accountId, string key, string requestHash)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{accountId:N}:{key}:{requestHash}"));
        return new Guid(hash.AsSpan(0, 16));
    }

    private static async Task<Results<Ok<PaymentMethodsResponse>, ProblemHttpResult>> MethodsAsync(
        ClaimsPrincipal user, BillingProfiles.BillingProfilesClient billing, IOptions<PaymentOptions> options,
        CancellationToken cancellationToken)
    {
        BillingProfileReply profile;
        try
        {
            profile = await billing.GetBillingProfileAsync(
                new GetBillingProfileRequest { AccountId = user.AccountId().ToString("D") },
                cancellationToken: cancellationToken);
        }
        catch (RpcException)
        {
            return OrdersProblems.ServiceUnavailable.Result(
                "The country the methods depend on could not be read; try again shortly.");
        }

        var country = string.IsNullOrEmpty(profile.Country) ? null : profile.Country;
        var methods = options.Value.MethodsFor(country)
            .Select(m => new PaymentMethodResponse(
                m.Id, m.Method.Name, PlanCatalogue.Currency, m.Method.MinAmount, m.Method.MaxAmount))
            .ToList();
        IReadOnlyList<string> blocked = profile.MayPayInvoices
            ? []
            : [.. profile.Reasons.Select(r => $"payment_blocked_{r}")];
        return TypedResults.Ok(new PaymentMethodsResponse(country, methods, blocked));
    }

    private static async Task<Results<StoredAnswer, ProblemHttpResult>> CreateAsync(
        TopUpRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey, ClaimsPrincipal user,
        OrdersDbContext db, KeyedRequests keyed, BillingProfiles.BillingProfilesClient billing,
        IPaymentProviders providers, IOptions<PaymentOptions> options, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Methods.TryGetValue(request.Method!, out var method))
        {
            return FieldError.Result("method", MethodMessage);
        }

        if (request.Currency != PlanCatalogue.Currency)
        {
            return OrdersProblems.CurrencyMismatch.Result($"The balance is kept in {PlanCatalogue.Currency}.");
        }

        var amount = request.Amount!.Value;
        if (amount < method.MinAmount || amount > method.MaxAmount)
        {
            return FieldError.Result(
                "amount", $"From {method.MinAmount:0.00} to {method.MaxAmount:0.00} with {method.Name}.");
        }

        var accountId = user.AccountId();
        var hash = Idempotency.HashOf(new { amount, request.Currency, request.Method });
        var id = IdFor(accountId, idempotencyKey ?? "", hash);
        var expiresAt = clock.Now() + settings.Lifetime;
        ProviderPayment? payment = null;
        try
        {
            return await keyed.RunAsync(
                new KeyedRequest(accountId, idempotencyKey, "top_up", hash, KeyRequired: true),
                async ct =>
                {
                    var now = clock.Now();
                    // The same key and request again after the key's 24 hours: the top-up it made.
                    if (await db.TopUps.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct) is { } existing)
                    {
                        return KeyedOutcome.Done(
                            StatusCodes.Status201Created, View(existing, now), $"/api/balance/top-ups/{id}");
                    }

                    var created = payment ?? throw new InvalidOperationException(
                        $"Top-up {id} has no payment at its provider.");
                    var topUp = new TopUp
                    {
                        Id = id,
                        AccountId = accountId,
                        Amount = amount,
                        Currency = PlanCatalogue.Currency,
                        Method = request.Method!,
                        Provider = method.Provider!,
                        ProviderPaymentId = created.PaymentId,
                        RedirectUrl = created.RedirectUrl.ToString(),
                        Status = TopUpStatuses.Pending,
                        CreatedAt = now,
                        ExpiresAt = expiresAt,
                    };
                    db.TopUps.Add(topUp);
                    return KeyedOutcome.Done(
                        StatusCodes.Status201Created, View(topUp, now), $"/api/balance/top-ups/{id}");
                },
                cancellationToken,
                // The provider is asked here, before the key's transaction: no database transaction or connection
                // waits on a provider, however slow it is. A payment whose top-up then fails to commit is met again
                // by the retry, which asks for the same reference.
                prepare: async ct =>
                {
                    var profile = await billing.GetBillingProfileAsync(
                        new GetBillingProfileRequest { AccountId = accountId.ToString("D") }, cancellationToken: ct);
                    if (!profile.MayPayInvoices)
                    {
                        return OrdersProblems.Blocked([.. profile.Reasons.Select(r => $"payment_blocked_{r}")]);
                    }

                    if (!method.OffersTo(profile.Country))
                    {
                        return OrdersProblems.PaymentMethodUnavailable.Result(
                            $"{method.Name} is not offered in the profile's country; see GET /api/payment-methods.");
                    }

                    if (await db.TopUps.AsNoTracking().AnyAsync(t => t.Id == id, ct))
                    {
                        return null;
                    }

                    try
                    {
                        payment = await providers.CreatePaymentAsync(method.Provider!, new ProviderPaymentRequest(
                            id, amount, PlanCatalogue.Currency, request.Method!, $"Balance top-up {id:N}",
                            settings.ReturnUrl!,
                            new Uri(settings.CallbackBaseUrl!, $"api/payments/callbacks/{method.Provider}"),
                            expiresAt), ct);
                        return null;
                    }
                    catch (PaymentProviderException)
                    {
                        return OrdersProblems.PaymentProviderUnavailable.Result(
                            $"{method.Name} cannot take payments right now; nothing was charged. Try again " +
                            "shortly or choose another method.");
                    }
                });
        }
        catch (RpcException)
        {
            return OrdersProblems.ServiceUnavailable.Result(
                "Payment eligibility could not be checked; nothing was charged. Try again shortly.");
        }
    }

    private static async Task<Results<Ok<Page<TopUpResponse>>, ProblemHttpResult>> ListAsync(
        ClaimsPrincipal user, string? status, [AsParameters] PageQuery page, OrdersDbContext db, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (!page.TryRead(out (DateTimeOffset At, Guid Id)? before, out var problem))
        {
            return problem;
        }

        if (status is not null && !TopUpStatuses.All.Contains(status))
        {
            return FieldError.Result("status", $"One of {string.Join(", ", TopUpStatuses.All)}.");
        }

        var accountId = user.AccountId();
        var now = clock.Now();
        var query = db.TopUps.AsNoTracking().Where(t => t.AccountId == accountId);
        query = status switch
        {
            null => query,
            TopUpStatuses.Pending => query.Where(t => t.Status == TopUpStatuses.Pending && t.ExpiresAt > now),
            TopUpStatuses.Expired => query.Where(t => t.Status == TopUpStatuses.Expired
                || (t.Status == TopUpStatuses.Pending && t.ExpiresAt <= now)),
            _ => query.Where(t => t.Status == status),
        };
        if (before is var (at, id))
        {
            query = query.Where(t => t.CreatedAt < at || (t.CreatedAt == at && t.Id.CompareTo(id) < 0));
        }

        var rows = await query
            .OrderByDescending(t => t.CreatedAt)
            .ThenByDescending(t => t.Id)
            .Take(page.Take + 1)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(page.PageOf(
            rows.Select(t => View(t, now)).ToList(), t => PageCursor.Encode(t.CreatedAt, t.Id)));
    }

    private static async Task<Results<Ok<TopUpResponse>, ProblemHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal user, OrdersDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var topUp = await db.TopUps.AsNoTracking()
            .FirstOrDefaultAsync(t => t.Id == id && t.AccountId == accountId, cancellationToken);
        return topUp is null
            ? OrdersProblems.TopUpNotFound.Result("No such top-up for this account.")
            : TypedResults.Ok(View(topUp, clock.Now()));
    }
}

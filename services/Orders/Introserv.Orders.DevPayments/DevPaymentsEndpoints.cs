using System.Security.Cryptography;
using System.Text.Json;

namespace Introserv.Orders.DevPayments;

public sealed record CallbackModeRequest(string? Mode, int? DelaySeconds);

public sealed record DecisionRequest(decimal? Amount);

public sealed record PaymentView(
    string Id, string Reference, decimal Amount, string Currency, string? Method, string Status, string? Reason,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, string CallbackUrl, IReadOnlyList<CallbackAttempt> Callbacks);

// The stand-in provider's HTTP surface: what Orders calls (POST /payments), the page a customer is sent to
// (GET /pay/{id}), the developer's page (GET /) and a JSON API for scripts and tests (/api/...).
public static class DevPaymentsEndpoints
{
    // Configuration key of the bearer key callers must send (unset: no check).
    public const string ApiKeyKey = "DevPayments:ApiKey";

    public static readonly IReadOnlyList<string> Actions = ["approve", "decline", "fail", "expire", "resend"];

    public static IServiceCollection AddDevPayments(this IServiceCollection services)
    {
        services.AddHttpClient(CallbackSender.ClientName);
        services.AddSingleton(TimeProvider.System);
        return services.AddSingleton<PaymentBook>().AddSingleton<CallbackSender>();
    }

    public static IEndpointRouteBuilder MapDevPayments(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/payments", CreateAsync);
        app.MapGet("/pay/{id}", (string id, PaymentBook book, TimeProvider clock) =>
            book.Find(id) is { } payment
                ? Results.Content(DevPaymentsPage.Checkout(payment, clock.GetUtcNow()), "text/html; charset=utf-8")
                : Results.NotFound());
        app.MapPost("/pay/{id}", async (string id, HttpContext context, PaymentBook book, CallbackSender sender) =>
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            if (book.Find(id) is not { } payment || !IsDecision(form["decision"].ToString()))
            {
                return Results.NotFound();
            }

            await ActAsync(book, sender, payment, form["decision"].ToString(), null);
            return Results.Redirect(payment.ReturnUrl.ToString());
        });
        app.MapGet("/", (PaymentBook book) =>
            Results.Content(DevPaymentsPage.Render(book), "text/html; charset=utf-8"));
        app.MapPost("/ui/payments/{id}", async (
            string id, HttpContext context, PaymentBook book, CallbackSender sender) =>
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            if (book.Find(id) is { } payment && Actions.Contains(form["action"].ToString()))
            {
                await ActAsync(book, sender, payment, form["action"].ToString(), null);
            }

            return Results.Redirect("/");
        });
        app.MapPost("/ui/mode", async (HttpContext context, PaymentBook book) =>
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            var mode = form["mode"].ToString();
            if (CallbackModes.All.Contains(mode))
            {
                var seconds = int.TryParse(form["delaySeconds"], out var s) ? Math.Clamp(s, 1, 3600) : 10;
                book.SetCallbackMode(mode, TimeSpan.FromSeconds(seconds));
            }

            return Results.Redirect("/");
        });
        app.MapGet("/api/payments", (PaymentBook book) => Results.Ok(book.List().Select(View)));
        app.MapGet("/api/payments/{id}", (string id, PaymentBook book) =>
            book.Find(id) is { } payment ? Results.Ok(View(payment)) : Results.NotFound());
        app.MapPost("/api/payments/{id}/{action}", async (
            string id, string action, HttpContext context, PaymentBook book, CallbackSender sender) =>
        {
            if (book.Find(id) is not { } payment || !Actions.Contains(action))
            {
                return Results.NotFound();
            }

            // An optional body { "amount": 12.34 } makes the callbacks report another amount (a provider's mistake).
            decimal? amount = null;
            if (context.Request.HasJsonContentType())
            {
                try
                {
                    amount = (await context.Request.ReadFromJsonAsync<DecisionRequest>(context.RequestAborted))?.Amount;
                }
                catch (JsonException)
                {
                    return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The body is not JSON");
                }
            }

            await ActAsync(book, sender, payment, action, amount);
            return Results.Ok(View(payment));
        });
        app.MapPut("/api/callback-mode", (CallbackModeRequest request, PaymentBook book) =>
        {
            if (request.Mode is null || !CallbackModes.All.Contains(request.Mode))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["mode"] = [$"One of: {string.Join(", ", CallbackModes.All)}."]
                });
            }

            book.SetCallbackMode(request.Mode, TimeSpan.FromSeconds(Math.Clamp(request.DelaySeconds ?? 10, 1, 3600)));
            return Results.NoContent();
        });
        return app;
    }

    public static PaymentView View(DevPayment p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new PaymentView(
            p.Id, p.Reference, p.Amount, p.Currency, p.Method, p.Status, p.Reason, p.CreatedAt, p.ExpiresAt,
            p.CallbackUrl.ToString(), [.. p.Callbacks]);
    }

    private static bool IsDecision(string decision) => decision is "approve" or "decline" or "fail";

    // A decision changes the payment (any payment, even one already decided or expired: this provider lets a
    // developer try every order of events) and sends its callback; resend sends the current status again.
    private static async Task ActAsync(
        PaymentBook book, CallbackSender sender, DevPayment payment, string action, decimal? amount)
    {
        book.Update(payment, p =>
        {
            if (amount is { } reported)
            {
                p.ReportedAmount = reported;
            }

            (p.Status, p.Reason) = action switch
            {
                "approve" => (DevPaymentStatuses.Succeeded, null),
                "decline" => (DevPaymentStatuses.Failed, "declined"),
                "fail" => (DevPaymentStatuses.Failed, "processing_error"),
                "expire" => (DevPaymentStatuses.Expired, null),
                _ => (p.Status, p.Reason),
            };
            return 0;
        });
        if (action == "resend")
        {
            await sender.SendWithRetriesAsync(payment);
        }
        else
        {
            await sender.AfterDecisionAsync(payment);
        }
    }

    private static async Task<IResult> CreateAsync(
        HttpContext context, PaymentBook book, IConfiguration configuration, TimeProvider clock)
    {
        if (configuration[ApiKeyKey] is { Length: > 0 } key
            && !string.Equals(
                context.Request.Headers.Authorization.ToString(), $"Bearer {key}", StringComparison.Ordinal))
        {
            return Results.Problem(
                statusCode: StatusCodes.Status401Unauthorized, title: "Missing or wrong Authorization header");
        }

        CreatePaymentRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync<CreatePaymentRequest>(context.RequestAborted);
        }
        catch (JsonException)
        {
            request = null;
        }

        if (request is not { Reference: { Length: > 0 and <= 100 } reference, Amount: > 0, Currency.Length: 3 }
            || !Uri.TryCreate(request.ReturnUrl, UriKind.Absolute, out var returnUrl)
            || !Uri.TryCreate(request.CallbackUrl, UriKind.Absolute, out var callbackUrl))
        {
            return Results.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Expected reference, amount, currency, returnUrl and callbackUrl");
        }

        var now = clock.GetUtcNow();
        var (payment, created) = book.GetOrAdd(reference, () => new DevPayment
        {
            Id = $"pay_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}",
            Reference = reference,
            Amount = request.Amount.Value,
            ReportedAmount = request.Amount.Value,
            Currency = request.Currency,
            Method = request.Method,
            Description = request.Description,
            ReturnUrl = returnUrl,
            CallbackUrl = callbackUrl,
            CreatedAt = now,
            ExpiresAt = request.ExpiresAt ?? now.AddHours(1),
        });
        if (!created && (payment.Amount != request.Amount || payment.Currency != request.Currency))
        {
            return Results.Problem(
                statusCode: StatusCodes.Status409Conflict, title: "This reference was used for another amount");
        }

        var redirect = new Uri(new Uri($"{context.Request.Scheme}://{context.Request.Host}"), $"/pay/{payment.Id}");
        var answer = new { paymentId = payment.Id, redirectUrl = redirect.ToString(), status = payment.Status };
        return created ? Results.Created(redirect, answer) : Results.Ok(answer);
    }

    private sealed record CreatePaymentRequest(
        string? Reference, decimal? Amount, string? Currency, string? Method, string? Description, string? ReturnUrl,
        string? CallbackUrl, DateTimeOffset? ExpiresAt);
}

using System.Net;
using System.Text;
using System.Text.Json;

namespace Introserv.Verification.DevGateway;

public sealed record ModeRequest(string? Mode);

// The stand-in provider's HTTP surface: what Verification calls (POST /gateways/{name}/messages, the default body
// template), what a developer reads (GET /, GET /api/messages) and the switch that makes a gateway fail or hang (PUT
// /gateways/{name}/mode).
public static class DevGatewayEndpoints
{
    // Configuration key of the bearer token callers must send (unset: no check).
    public const string TokenKey = "DevGateway:Token";

    public static IServiceCollection AddDevGateway(this IServiceCollection services) =>
        services.AddSingleton<TelephonyInbox>().AddSingleton(TimeProvider.System);

    public static IEndpointRouteBuilder MapDevGateway(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/gateways/{gateway}/messages", ReceiveAsync);
        app.MapPut("/gateways/{gateway}/mode", (string gateway, ModeRequest request, TelephonyInbox inbox) =>
        {
            if (!IsGatewayName(gateway))
            {
                return Results.NotFound();
            }

            if (request.Mode is null || !GatewayModes.All.Contains(request.Mode))
            {
                return Results.ValidationProblem(
                    new Dictionary<string, string[]>
                    {
                        ["mode"] = [$"One of: {string.Join(", ", GatewayModes.All)}."]
                    });
            }

            inbox.SetMode(gateway, request.Mode);
            return Results.NoContent();
        });
        app.MapGet("/api/messages", (string? to, TelephonyInbox inbox) => Results.Ok(inbox.List(to)));
        app.MapDelete("/api/messages", (TelephonyInbox inbox) =>
        {
            inbox.Clear();
            return Results.NoContent();
        });
        app.MapGet("/", (TelephonyInbox inbox) =>
            Results.Content(DevGatewayPage.Render(inbox), "text/html; charset=utf-8"));
        app.MapPost("/ui/mode", async (HttpContext context, TelephonyInbox inbox) =>
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            if (form["gateway"].ToString() is var gateway
                && IsGatewayName(gateway)
                && GatewayModes.All.Contains(form["mode"].ToString()))
            {
                inbox.SetMode(gateway, form["mode"].ToString());
            }

            return Results.Redirect("/");
        });
        return app;
    }

    private static bool IsGatewayName(string name) =>
        name.Length is > 0 and <= 32 && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    private static async Task<IResult> ReceiveAsync(
        string gateway, HttpContext context, TelephonyInbox inbox, IConfiguration configuration, TimeProvider clock)
    {
        if (!IsGatewayName(gateway))
        {
            return Results.NotFound();
        }

        if (configuration[TokenKey] is { Length: > 0 } token
            && !string.Equals(
                context.Request.Headers.Authorization.ToString(), $"Bearer {token}", StringComparison.Ordinal))
        {
            return Results.Problem(
                statusCode: StatusCodes.Status401Unauthorized, title: "Missing or wrong Authorization header");
        }

        string? to = null, kind = null, code = null, text = null, reference = null;
        try
        {
            using var body = await JsonDocument.ParseAsync(
                context.Request.Body, cancellationToken: context.RequestAborted);
            string? Field(string name) =>
                body.RootElement.ValueKind == JsonValueKind.Object
                    && body.RootElement.TryGetProperty(name, out var value)
                    && value.ValueKind == JsonValueKind.String
                    ? value.GetString()
                    : null;
            (to, kind, code, text, reference) =
                (Field("to"), Field("kind"), Field("code"), Field("text"), Field("reference"));
        }
        catch (JsonException)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The body is not JSON");
        }

        var mode = inbox.ModeOf(gateway);
        var received = inbox.Add(gateway, clock.GetUtcNow(), to, kind, code, text, reference, mode switch
        {
            GatewayModes.Fail => "failed (simulated)",
            GatewayModes.Timeout => "no answer (simulated)",
            _ => "delivered",
        });
        switch (mode)
        {
            case GatewayModes.Fail:
                return Results.Problem(
                    statusCode: StatusCodes.Status503ServiceUnavailable, title: "Simulated gateway failure");
            case GatewayModes.Timeout:
                try
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }

                return Results.Empty;
            default:
                return Results.Ok(new { status = "accepted", id = received.Sequence });
        }
    }
}

// The page a developer keeps open during a local run: the last codes, and the gateway switches.
internal static class DevGatewayPage
{
    public static string Render(TelephonyInbox inbox)
    {
        static string E(string? value) => WebUtility.HtmlEncode(value ?? string.Empty);
        var html = new StringBuilder();
        html.Append("""
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3">
            <title>Telephony (development)</title>
            <style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
            .code{font:bold 1.3rem monospace}</style></head><body>
            <h1>Telephony gateways (development only)</h1>
            <p>Every text message and call the Verification service asked for. For a flash call the code is the last four digits of the calling number.</p>
            <h2>Gateways</h2><table><tr><th>gateway</th><th>answers</th><th>switch</th></tr>
            """);
        var gateways = inbox.Modes.Keys
            .Concat(inbox.List().Select(m => m.Gateway))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.Ordinal);
        foreach (var gateway in gateways)
        {
            html.Append("<tr><td>").Append(E(gateway)).Append("</td><td>").Append(E(inbox.ModeOf(gateway)))
                .Append("</td><td>");
            foreach (var mode in GatewayModes.All)
            {
                html
                    .Append(
                        "<form method=\"post\" action=\"/ui/mode\" style=\"display:inline\">" +
                        "<input type=\"hidden\" name=\"gateway\" value=\"")
                    .Append(E(gateway)).Append("\"><button name=\"mode\" value=\"").Append(E(mode)).Append("\">")
                    .Append(E(mode)).Append("</button></form> ");
            }

            html.Append("</td></tr>");
        }

        html.Append(
            "</table><h2>Last messages</h2><table><tr><th>#</th><th>received</th><th>gateway</th><th>to</th>" +
            "<th>kind</th><th>code</th><th>text</th><th>outcome</th></tr>");
        foreach (var message in inbox.List())
        {
            html.Append("<tr><td>").Append(message.Sequence).Append("</td><td>")
                .Append(E(message.ReceivedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture)))
                .Append("</td><td>").Append(E(message.Gateway)).Append("</td><td>").Append(E(message.To))
                .Append("</td><td>").Append(E(message.Kind)).Append("</td><td class=\"code\">").Append(E(message.Code))
                .Append("</td><td>").Append(E(message.Text)).Append("</td><td>").Append(E(message.Outcome))
                .Append("</td></tr>");
        }

        return html.Append("</table></body></html>").ToString();
    }
}

using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Introserv.Notifications.DevWebhooks;

// POST /receive/{receiver} takes deliveries; PUT /api/receivers/{receiver} sets its secrets and failures;
// GET /api/received?receiver= lists what arrived (newest first); DELETE /api/received empties it; GET / is the page.
public static class DevWebhookEndpoints
{
    public const int MaxBodyBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapWebhookReceiver(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/receive/{receiver}", ReceiveAsync);
        app.MapPut("/api/receivers/{receiver}", (string receiver, ReceiverSettings settings, Receivers receivers) =>
        {
            receivers.Configure(receiver, settings);
            return Results.NoContent();
        });
        app.MapGet("/api/received", (string? receiver, Receivers receivers) => Results.Ok(receivers.List(receiver)));
        app.MapDelete("/api/received", (Receivers receivers) =>
        {
            receivers.Clear();
            return Results.NoContent();
        });
        app.MapGet("/", (Receivers receivers) => Results.Content(Page(receivers), "text/html; charset=utf-8"));
        return app;
    }

    private static async Task<IResult> ReceiveAsync(
        string receiver, HttpRequest request, Receivers receivers, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var buffer = new char[MaxBodyBytes + 1];
        var read = await reader.ReadBlockAsync(buffer, cancellationToken);
        if (read > MaxBodyBytes)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        var body = new string(buffer, 0, read);
        string? type = null;
        try
        {
            using var json = JsonDocument.Parse(body);
            type = json.RootElement.TryGetProperty("type", out var t) ? t.GetString() : null;
        }
        catch (JsonException)
        {
            // Kept as it came; the page shows it.
        }

        var received = receivers.Accept(receiver, request.Headers, body, type);
        if (received.AnsweredStatus == 0)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        }

        return received.AnsweredStatus == StatusCodes.Status204NoContent
            ? Results.NoContent()
            : Results.Text($"refused by the development receiver's settings ({received.AnsweredStatus})",
                statusCode: received.AnsweredStatus);
    }

    private static string Page(Receivers receivers)
    {
        static string E(string? value) => WebUtility.HtmlEncode(value ?? string.Empty);
        var html = new StringBuilder("""
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3"><title>Webhooks (development)</title>
            <style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}pre{margin:0;white-space:pre-wrap;max-width:60rem}</style>
            </head><body><h1>Webhooks (development only)</h1>
            <p>Deliveries to <code>/receive/{name}</code>, newest first. Register an endpoint with that URL
            (<code>POST /api/staff/webhooks</code> through the gateway), then give this receiver its secret
            (<code>PUT /api/receivers/{name}</code> with <code>{"secrets":["whsec_..."]}</code>) to check signatures;
            <code>failNext</code>, <code>failStatus</code> and <code>hang</code> make it refuse or time out.</p>
            <table><tr><th>#</th><th>received</th><th>receiver</th><th>type</th><th>webhook-id</th><th>signature</th><th>answer</th><th>body</th></tr>
            """);
        foreach (var r in receivers.List(null))
        {
            var signature = r.SignatureValid switch
            {
                true => "valid",
                false => "INVALID: " + r.SignatureProblem,
                null => "not checked (no secret)",
            };
            html.Append("<tr><td>").Append(r.Number).Append("</td><td>")
                .Append(E(r.ReceivedAt.ToString("u", CultureInfo.InvariantCulture))).Append("</td><td>")
                .Append(E(r.Receiver)).Append("</td><td>").Append(E(r.Type)).Append("</td><td>")
                .Append(E(r.WebhookId)).Append(r.Duplicate ? " (again)" : "").Append("</td><td>")
                .Append(E(signature)).Append("</td><td>").Append(r.AnsweredStatus).Append("</td><td><pre>")
                .Append(E(r.Body)).Append("</pre></td></tr>");
        }

        return html.Append("</table></body></html>").ToString();
    }
}

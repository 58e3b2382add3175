using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Introserv.Bench.Panel;

internal enum RequestClass
{
    Read,
    Write,
    SignIn,
}

// One request of the panel as a customer. Endpoint names it in the tables (the route, without ids); Check looks at
// a successful answer and says what is wrong with it, if anything (an order placed but not paid, a quote without an
// id): the answers the next request of the operation needs.
internal sealed record Call(
    string Endpoint, RequestClass Class, HttpMethod Method, string Path, Customer Customer, object? Body = null,
    bool Keyed = false, Func<JsonElement, string?>? Check = null);

internal sealed record Failure(string Kind, string? Detail);

internal sealed class PanelClient(HttpClient http)
{
    private const int DetailLength = 200;

    // Sends the call as its customer and records its latency, counted from start, and its outcome. Returns the
    // answer when it succeeded (default when the call has no Check, as nothing was parsed), null when it failed.
    public async Task<JsonElement?> SendAsync(Recorder recorder, Call call, long start)
    {
        Failure? failure = null;
        JsonElement answer = default;
        try
        {
            using var request = new HttpRequestMessage(call.Method, new Uri(call.Path, UriKind.Relative));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", call.Customer.Session.AccessToken);
            if (call.Body is not null)
            {
                request.Content = JsonContent.Create(call.Body);
            }

            if (call.Keyed)
            {
                request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            }

            // The whole body is read, as the page would, before the request counts as answered.
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            if (!response.IsSuccessStatusCode)
            {
                failure = Problem(response.StatusCode, body);
            }
            else if (call.Check is not null)
            {
                using var document = JsonDocument.Parse(body);
                answer = document.RootElement.Clone();
                failure = call.Check(answer) is { } wrong ? new Failure(wrong, Text(body)) : null;
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException
            or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            failure = Describe(e);
        }

        recorder.Record(call.Endpoint, call.Class, start, failure);
        return failure is null ? answer : null;
    }

    public static Failure Describe(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e switch
        {
            TaskCanceledException => new Failure("timeout", e.Message),
            HttpRequestException { HttpRequestError: var error } => new Failure($"connection: {error}", e.Message),
            _ => new Failure(e.GetType().Name, Trim(e.Message)),
        };
    }

    public static string Trim(string text) =>
        text.Length > DetailLength ? string.Concat(text.AsSpan(0, DetailLength), "…") : text;

    // "<status> <code>" from an RFC 9457 problem (every error of the API has a stable code), the detail apart.
    private static Failure Problem(HttpStatusCode status, byte[] body)
    {
        string? code = null;
        string? detail = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var problem = document.RootElement;
            if (problem.ValueKind == JsonValueKind.Object)
            {
                code = problem.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String
                    ? c.GetString()
                    : null;
                detail = problem.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String
                    ? d.GetString()
                    : null;
            }
        }
        catch (JsonException)
        {
            // Not a problem document (an HTML page, an empty body): the status and the text say it.
        }

        return new Failure(code is null ? $"{(int)status}" : $"{(int)status} {code}", detail ?? Text(body));
    }

    private static string Text(byte[] body) => Trim(Encoding.UTF8.GetString(body));
}

using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Introserv.Panel.Api;

// Turns every problem answer (application/problem+json) into a GatewayProblemException with its status, code, detail
// and field errors, whatever operation it came from, before the generated client sees it.
public sealed class ProblemCapture : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(
        HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.IsSuccessStatusCode
            || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return response;
        }

        using (response)
        {
            Problem? problem = null;
            try
            {
                problem = await response.Content.ReadFromJsonAsync<Problem>(cancellationToken);
            }
            catch (JsonException)
            {
                // An unreadable body: the status alone speaks.
            }

            throw new GatewayProblemException(
                (int)response.StatusCode, problem?.Code, problem?.Detail,
                problem?.Errors ?? new Dictionary<string, string[]>())
            {
                Extensions = problem?.Extensions ?? new Dictionary<string, JsonElement>(),
            };
        }
    }

    private sealed record Problem(
        [property: JsonPropertyName("code")] string? Code,
        [property: JsonPropertyName("detail")] string? Detail,
        [property: JsonPropertyName("errors")] Dictionary<string, string[]>? Errors)
    {
        // The problem's other members: methods (step_up_required), callerAddress (would_lock_out), attemptsRemaining.
        [JsonExtensionData]
        public Dictionary<string, JsonElement>? Extensions { get; init; }
    }
}

public sealed class GatewayProblemException(
    int status, string? code, string? detail, IReadOnlyDictionary<string, string[]> errors)
    : Exception(detail ?? code ?? $"HTTP {status}")
{
    public int Status { get; } = status;

    public string? Code { get; } = code;

    public string? Detail { get; } = detail;

    // Field name (as the API names it, e.g. "firstName") to its messages, for validation_failed.
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    public IReadOnlyDictionary<string, JsonElement> Extensions { get; init; } = new Dictionary<string, JsonElement>();
}

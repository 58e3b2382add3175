using System.Text.Json;
using Microsoft.AspNetCore.Components.WebAssembly.Authentication;
using Microsoft.Kiota.Abstractions;

namespace Introserv.Panel.Api;

// Runs a call to the gateway for a page: an answer, or a sentence for the person (never an exception on the page).
// A token that can no longer be renewed sends the browser to the sign-in page.
public sealed class ApiCalls
{
    public async Task<ApiResult<T>> RunAsync<T>(Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return new ApiResult<T>(await call(), null);
        }
        catch (AccessTokenNotAvailableException expired)
        {
            expired.Redirect();
            return new ApiResult<T>(
                default, new ApiProblem(401, "unauthorized", ProblemText.For("unauthorized", null)));
        }
        catch (GatewayProblemException problem)
        {
            return new ApiResult<T>(default, ApiProblem.From(problem));
        }
        catch (ApiException other)
        {
            var code = ProblemText.CodeForStatus(other.ResponseStatusCode);
            return new ApiResult<T>(
                default, new ApiProblem(other.ResponseStatusCode, code, ProblemText.For(code, null)));
        }
        catch (HttpRequestException)
        {
            return new ApiResult<T>(default, new ApiProblem(0, "unreachable", ProblemText.For("unreachable", null)));
        }
    }

    public async Task<ApiResult<bool>> RunAsync(Func<Task> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return await RunAsync(async () =>
        {
            await call();
            return true;
        });
    }
}

public sealed record ApiResult<T>(T? Value, ApiProblem? Problem)
{
    public bool Succeeded => Problem is null;

}

// A problem answer as the page shows it: the stable code, and the sentence for the person.
public sealed record ApiProblem(int Status, string Code, string Message)
{
    // Field name (as the API names it) to its messages, for validation_failed.
    public IReadOnlyDictionary<string, string[]> Errors { get; init; } = new Dictionary<string, string[]>();

    public static ApiProblem From(GatewayProblemException problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var code = problem.Code ?? ProblemText.CodeForStatus(problem.Status);
        return new ApiProblem(problem.Status, code, ProblemText.For(code, problem.Detail))
        {
            Errors = problem.Errors, Extensions = problem.Extensions,
        };
    }

    // The problem's other members, as the API names them.
    public IReadOnlyDictionary<string, JsonElement> Extensions { get; init; } = new Dictionary<string, JsonElement>();

    public string? Text(string member) =>
        Extensions.TryGetValue(member, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    public int? Number(string member) =>
        Extensions.TryGetValue(member, out var value) && value.ValueKind == JsonValueKind.Number
            && value.TryGetInt32(out var number)
            ? number
            : null;

    public IReadOnlyList<string> Texts(string member) =>
        Extensions.TryGetValue(member, out var value) && value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)]
            : [];

    public string? ErrorFor(string field) =>
        Errors.FirstOrDefault(e => string.Equals(e.Key, field, StringComparison.OrdinalIgnoreCase)).Value
            is { Length: > 0 } messages ? string.Join(" ", messages) : null;
}

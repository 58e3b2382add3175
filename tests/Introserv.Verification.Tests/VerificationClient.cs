using System.Security.Cryptography;

namespace Introserv.Verification.Tests;

// A customer of the verification API: what a front end sends, and what it reads back.
public sealed class VerificationClient(HttpClient http) : IDisposable
{
    public HttpClient Http => http;

    // A Bulgarian mobile number nobody else in this run uses (per-phone limits are shared in Redis).
    public static string NewMobile() => $"+35988{RandomNumberGenerator.GetInt32(1_000_000, 9_999_999)}";

    // A Sofia landline number nobody else in this run uses.
    public static string NewLandline() => $"+3592{RandomNumberGenerator.GetInt32(1_000_000, 9_999_999)}";

    public async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, object? body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> StartAsync(
        string purpose, string channel, string? phone = null, string? operation = null) =>
        PostAsync("/api/verification/challenges", new { purpose, channel, phone, operation });

    // Starts a phone verification that must succeed; returns the challenge id.
    public async Task<Guid> StartPhoneAsync(string phone, string channel = "sms")
    {
        var (status, body) = await StartAsync("phone", channel, phone);
        Assert.True(status == HttpStatusCode.Created, $"start: {(int)status} {body}");
        return body.GetProperty("id").GetGuid();
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> ConfirmAsync(Guid challengeId, string code) =>
        PostAsync($"/api/verification/challenges/{challengeId}/confirm", new { code });

    public async Task<(HttpStatusCode Status, JsonElement Body, string? RetryAfter)> ResendAsync(
        Guid challengeId, bool otherGateway = false)
    {
        using var response = await http.PostAsJsonAsync(
            $"/api/verification/challenges/{challengeId}/resend", new { otherGateway });
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(),
            response.Headers.RetryAfter?.ToString());
    }

    public static string CodeOf(JsonElement problem) => problem.GetProperty("code").GetString()!;

    public void Dispose() => http.Dispose();
}

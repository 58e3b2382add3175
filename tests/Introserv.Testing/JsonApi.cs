namespace Introserv.Testing;

// The calls most API tests make: a JSON POST read back as its status and body, and a problem's code.
public static class JsonApi
{
    // The status and the answer's JSON (default when the answer has no body, as for 204).
    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(
        HttpClient http, string path, object body)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var response = await http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static string Code(JsonElement problem) => problem.GetProperty("code").GetString()!;
}

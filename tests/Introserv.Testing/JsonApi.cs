namespace Introserv.Testing;

// The calls most API tests make: a JSON POST read back as its status and body, a problem's code, a whole paged list.
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

    // key of every item of a paged list (`items`, `nextCursor`), following the cursor to the last page.
    public static async Task<List<string>> AllPagesAsync(HttpClient http, string path, Func<JsonElement, string> key)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(key);
        var items = new List<string>();
        string? cursor = null;
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        do
        {
            var page = await http.GetFromJsonAsync<JsonElement>(
                cursor is null ? $"{path}{separator}limit=100" : $"{path}{separator}limit=100&cursor={cursor}");
            items.AddRange(page.GetProperty("items").EnumerateArray().Select(key));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        return items;
    }
}

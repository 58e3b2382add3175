namespace Introserv.Testing;

// Status assertions that say what the service answered: a wrong status fails with the answer's body (a problem's code
// and detail), so a failure in a long run shows which component refused and why.
public static class Expect
{
    private const int ShownCharacters = 2000;

    public static async Task StatusAsync(HttpStatusCode expected, HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.StatusCode == expected)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync();
        if (body.Length > ShownCharacters)
        {
            body = body[..ShownCharacters] + "…";
        }

        Assert.Fail(
            $"Expected {(int)expected} {expected}, got {(int)response.StatusCode} {response.StatusCode} for " +
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: " +
            (body.Length == 0 ? "(no body)" : body));
    }
}

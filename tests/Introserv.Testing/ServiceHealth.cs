namespace Introserv.Testing;

public static class ServiceHealth
{
    // Polls /health until the service reports Healthy (or a status in accept); returns the last answer.
    public static Task<string> WaitForHealthyAsync(
        HttpClient client, TimeSpan? timeout = null, IReadOnlyCollection<string>? accept = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        return Eventually.ValueAsync(
            async () =>
            {
                using var response = await client.GetAsync(new Uri("/health", UriKind.Relative));
                var status = await response.Content.ReadAsStringAsync();
                return response.StatusCode == HttpStatusCode.OK ? status : $"{(int)response.StatusCode} {status}";
            },
            status => status == "Healthy" || accept?.Contains(status) == true,
            timeout ?? TimeSpan.FromSeconds(60));
    }
}

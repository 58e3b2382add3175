using System.Net;

namespace Introserv.Testing;

public static class ServiceHealth
{
    /// <summary>Polls <c>/health</c> until the service reports Healthy (or a status in <paramref name="accept"/>); returns the last answer.</summary>
    public static async Task<string> WaitForHealthyAsync(HttpClient client, TimeSpan? timeout = null, IReadOnlyCollection<string>? accept = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        string status;
        do
        {
            using var response = await client.GetAsync(new Uri("/health", UriKind.Relative));
            status = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK && (status == "Healthy" || accept?.Contains(status) == true))
            {
                return status;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        return status;
    }
}

using Introserv.Panel.Api;

namespace Introserv.Panel.Tests;

// A step-up token earned for one change rides on that change alone: the next change sent carries it once, a read
// never does, and one its change did not take (Forget, after the retry) reaches no later change.
public sealed class StepUpTokensTests
{
    private static async Task<string?> SentHeaderAsync(StepUpTokens tokens, HttpMethod method)
    {
        using var handler = new StepUpTokenHandler(tokens) { InnerHandler = new Echo() };
        using var client = new HttpClient(handler);
        using var request = new HttpRequestMessage(method, "http://gateway.test/api/x");
        using var response = await client.SendAsync(request);
        return request.Headers.TryGetValues(StepUpTokens.Header, out var values)
            ? Assert.Single(values)
            : null;
    }

    [Fact]
    public async Task The_next_change_carries_a_held_token_once_and_a_read_never_does()
    {
        var tokens = new StepUpTokens();
        tokens.Hold("token-1");

        Assert.Null(await SentHeaderAsync(tokens, HttpMethod.Get));
        Assert.Equal("token-1", await SentHeaderAsync(tokens, HttpMethod.Put));
        Assert.Null(await SentHeaderAsync(tokens, HttpMethod.Post));
    }

    [Fact]
    public async Task A_token_its_change_did_not_take_reaches_no_later_change()
    {
        var tokens = new StepUpTokens();
        tokens.Hold("token-2");

        tokens.Forget();

        Assert.Null(await SentHeaderAsync(tokens, HttpMethod.Delete));
    }

    private sealed class Echo : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(
            HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.NoContent) { RequestMessage = request });
    }
}

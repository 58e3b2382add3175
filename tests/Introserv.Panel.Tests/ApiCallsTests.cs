using System.Net.Http.Headers;
using System.Text;
using Introserv.Panel.Api;

namespace Introserv.Panel.Tests;

// How a page sees the gateway's answers: problem answers become the code, the sentence and the field errors; an
// unreachable gateway is a sentence too; nothing reaches the page as an exception.
public sealed class ApiCallsTests
{
    // The client owns (and disposes) the handler chain.
    private static HttpClient Gateway(HttpMessageHandler inner)
    {
#pragma warning disable CA2000
        var capture = new ProblemCapture { InnerHandler = inner };
#pragma warning restore CA2000
        return new HttpClient(capture, disposeHandler: true) { BaseAddress = new Uri("http://gateway.test/") };
    }

    private static HttpClient Gateway(HttpStatusCode status, string? problem) => Gateway(new Answer(status, problem));

    [Fact]
    public async Task A_problem_answer_is_its_code_and_sentence()
    {
        using var http = Gateway(HttpStatusCode.PaymentRequired,
            """{"type":"about:blank","title":"Insufficient balance","status":402,"code":"insufficient_balance"}""");

        var result = await new ApiCalls().RunAsync(() => http.GetStringAsync(new Uri("/api/orders", UriKind.Relative)));

        Assert.False(result.Succeeded);
        Assert.Equal(402, result.Problem!.Status);
        Assert.Equal("insufficient_balance", result.Problem.Code);
        Assert.Equal(ProblemText.Sentences["insufficient_balance"], result.Problem.Message);
    }

    [Fact]
    public async Task Field_errors_of_a_validation_problem_are_kept_by_field()
    {
        using var http = Gateway(HttpStatusCode.BadRequest,
            """{"status":400,"code":"validation_failed","errors":{"city":["City is required."]}}""");

        var result = await new ApiCalls().RunAsync(
            () => http.GetStringAsync(new Uri("/api/profile", UriKind.Relative)));

        Assert.Equal("validation_failed", result.Problem!.Code);
        Assert.Equal("City is required.", result.Problem.ErrorFor("City"));
        Assert.Null(result.Problem.ErrorFor("address"));
    }

    [Fact]
    public async Task An_unreadable_problem_body_and_an_unreachable_gateway_are_sentences()
    {
        using var broken = Gateway(HttpStatusCode.BadGateway, "not json");
        var unreadable = await new ApiCalls().RunAsync(
            () => broken.GetStringAsync(new Uri("/api/orders", UriKind.Relative)));
        Assert.Equal(("upstream_unavailable", ProblemText.Sentences["upstream_unavailable"]),
            (unreadable.Problem!.Code, unreadable.Problem.Message));

        using var offline = Gateway(new Unreachable());
        var unreachable = await new ApiCalls().RunAsync(
            () => offline.GetStringAsync(new Uri("/api/orders", UriKind.Relative)));
        Assert.Equal(ProblemText.Sentences["unreachable"], unreachable.Problem!.Message);
    }

    [Fact]
    public async Task A_success_is_the_value()
    {
        using var http = Gateway(HttpStatusCode.OK, null);
        var result = await new ApiCalls().RunAsync(() => http.GetStringAsync(new Uri("/api/orders", UriKind.Relative)));
        Assert.True(result.Succeeded);
        Assert.Equal("{}", result.Value);
    }

    private sealed class Answer(HttpStatusCode status, string? problem) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(
            HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = new HttpResponseMessage(status);
            if (problem is null)
            {
                response.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            }
            else
            {
                response.Content = new StringContent(problem, Encoding.UTF8);
                response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/problem+json");
            }

            return Task.FromResult(response);
        }
    }

    private sealed class Unreachable : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(
            HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused.");
    }
}

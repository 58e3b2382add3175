using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Introserv.BuildingBlocks.Tests;

public sealed class ProblemDetailsTests
{
    [Theory]
    [InlineData(401, "unauthorized")]
    [InlineData(403, "forbidden")]
    [InlineData(404, "not_found")]
    [InlineData(405, "method_not_allowed")]
    [InlineData(429, "rate_limited")]
    [InlineData(500, "internal_error")]
    [InlineData(502, "upstream_unavailable")]
    [InlineData(504, "upstream_timeout")]
    public async Task Bare_status_codes_get_a_stable_code_and_a_trace_id(int status, string code)
    {
        var body = await WriteProblem(new ProblemDetails { Status = status });

        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("traceId").GetString()));
    }

    [Fact]
    public async Task Validation_problems_are_coded_validation_failed()
    {
        var problem = new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["email"] = ["Required."] })
        {
            Status = 400,
        };

        var body = await WriteProblem(problem);

        Assert.Equal("validation_failed", body.GetProperty("code").GetString());
        Assert.Equal("Required.", body.GetProperty("errors").GetProperty("email")[0].GetString());
    }

    [Fact]
    public async Task A_feature_code_is_kept()
    {
        var problem = new ProblemDetails { Status = 409 };
        problem.Extensions["code"] = "security_code_already_set";

        var body = await WriteProblem(problem);

        Assert.Equal("security_code_already_set", body.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("text/html")]
    [InlineData("application/xml")]
    [InlineData("text/plain, image/*;q=0.5")]
    public async Task A_problem_is_written_as_json_whatever_the_request_accepts(string accept)
    {
        var problem = new ProblemDetails { Status = 503 };
        problem.Extensions["code"] = "service_unavailable";

        var body = await WriteProblem(problem, accept);

        Assert.Equal("service_unavailable", body.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("traceId").GetString()));
        Assert.Equal(5, body.GetProperty("retryAfterSeconds").GetInt32());
    }

    [Fact]
    public void Registering_twice_keeps_one_writer()
    {
        var services = new ServiceCollection().AddLogging().AddIntroservProblemDetails().AddIntroservProblemDetails()
            .BuildServiceProvider();

        var writer = Assert.Single(services.GetServices<IProblemDetailsWriter>());
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Headers.Accept = "text/html";
        Assert.True(writer.CanWrite(new ProblemDetailsContext { HttpContext = context }));
    }

    private static async Task<JsonElement> WriteProblem(ProblemDetails problem, string? accept = null)
    {
        var services = new ServiceCollection().AddLogging().AddIntroservProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        if (accept is not null)
        {
            context.Request.Headers.Accept = accept;
        }

        context.Response.Body = new MemoryStream();
        context.Response.StatusCode = problem.Status ?? 500;

        var writer = services.GetRequiredService<IProblemDetailsService>();
        var written = await writer.TryWriteAsync(
            new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });

        Assert.True(written);
        Assert.StartsWith("application/problem+json", context.Response.ContentType, StringComparison.Ordinal);
        context.Response.Body.Position = 0;
        using var document = await JsonDocument.ParseAsync(context.Response.Body);
        return document.RootElement.Clone();
    }
}

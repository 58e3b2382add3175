namespace Introserv.Verification.Tests;

// The stand-in telephony provider is for development only, and production must name real providers.
public sealed class DevGatewayTests
{
    [Fact]
    public async Task The_verification_service_will_not_start_without_configured_telephony_gateways()
    {
        var (exitCode, output) = await RunAsync(
            "Introserv.Verification.dll",
            ("ASPNETCORE_URLS", "http://127.0.0.1:0"),
            ($"ConnectionStrings__{ResourceNames.VerificationDb}",
                LocalInfra.Current.DatabaseConnectionString("verification_unused")),
            ($"ConnectionStrings__{ResourceNames.RabbitMq}", LocalInfra.Current.RabbitMq),
            ($"ConnectionStrings__{ResourceNames.Redis}", LocalInfra.Current.Redis),
            ("Auth__Issuer", "http://identity.test/"),
            ("Auth__RequireHttpsMetadata", "false"),
            ("Verification__CodeHashKey", "0123456789abcdef0123456789abcdef"));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Telephony:Sms:Primary:Url is required", output, StringComparison.Ordinal);
        Assert.Contains("Telephony:Call:Primary:Url is required", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_development_gateway_takes_messages_only_with_its_token()
    {
        await using var provider = await FakeTelephonyProvider.StartAsync();
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, provider.MessagesUrl("sms-primary"))
        {
            Content = JsonContent.Create(
                new { to = "+359881234567", kind = "sms", code = "123456", text = "Code 123456", reference = "r" }),
        };
        request.Headers.Authorization = new("Bearer", FakeTelephonyProvider.Token);

        var withoutToken = await provider.PostWithoutTokenAsync("sms-primary");
        using var withToken = await http.SendAsync(request);
        using var page = await http.GetAsync(provider.Address);

        Assert.Equal(HttpStatusCode.Unauthorized, withoutToken);
        Assert.Equal(HttpStatusCode.OK, withToken.StatusCode);
        var received = Assert.Single(provider.Inbox.List());
        Assert.Equal(("+359881234567", "123456"), (received.To, received.Code));
        Assert.Contains("123456", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static Task<(int ExitCode, string Output)> RunAsync(
        string dll, params (string Key, string Value)[] environment) =>
        ServiceProcess.RunAsync(dll, [], environment, TimeSpan.FromSeconds(60));
}

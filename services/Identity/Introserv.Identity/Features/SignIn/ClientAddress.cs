namespace Introserv.Identity.Features.SignIn;

// What a sign-in records of its client besides the address (the address itself is HttpContext.ClientAddress() of
// ServiceDefaults, the one helper every service uses).
public static class ClientAddress
{
    public static string? UserAgentOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var agent = context.Request.Headers.UserAgent.ToString();
        return agent.Length == 0 ? null : agent[..Math.Min(agent.Length, Data.AccountSession.UserAgentMaxLength)];
    }
}

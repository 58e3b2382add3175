using Grpc.Core;
using Introserv.Profile.Grpc;

namespace Introserv.Identity.Features.Registration;

// Profile's confirmation of an address (gRPC, with Identity's service token), for the confirmation page. Outcome is
// "confirmed", Profile's refusal code, or "unavailable" when Profile cannot be asked.
public sealed partial class EmailConfirmationClient
{
    public const string Unavailable = "unavailable";

    private readonly EmailConfirmations.EmailConfirmationsClient _profile;
    private readonly ILogger<EmailConfirmationClient> _logger;

    // The client's types are internal to Identity: registered with a factory (Register).
    internal EmailConfirmationClient(
        EmailConfirmations.EmailConfirmationsClient profile, ILogger<EmailConfirmationClient> logger)
    {
        _profile = profile;
        _logger = logger;
    }

    public static void Register(IServiceCollection services) => services.AddTransient(sp => new EmailConfirmationClient(
        sp.GetRequiredService<EmailConfirmations.EmailConfirmationsClient>(),
        sp.GetRequiredService<ILogger<EmailConfirmationClient>>()));

    public async Task<(string Outcome, string? Email)> ConfirmAsync(
        Guid accountId, string token, string? clientAddress, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await _profile.ConfirmAsync(
                new ConfirmEmailRequest
                {
                    AccountId = accountId.ToString(),
                    Token = token,
                    ClientAddress = clientAddress ?? "",
                },
                cancellationToken: cancellationToken);
            return (reply.Outcome, string.IsNullOrEmpty(reply.Email) ? null : reply.Email);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            LogUnavailable(_logger, e.StatusCode);
            return (Unavailable, null);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Profile could not confirm an address ({Status})")]
    private static partial void LogUnavailable(ILogger logger, StatusCode status);
}

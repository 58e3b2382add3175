namespace Introserv.Identity.Features.SignIn;

// Configuration that Identity cannot start with (a client without a redirect URI, a bootstrap staff login that belongs
// to a customer, an invalid demo customer): ClientSynchronizer stops the service with it. Every other failure at
// start-up is retried.
public sealed class StartupConfigurationException(string message) : InvalidOperationException(message);

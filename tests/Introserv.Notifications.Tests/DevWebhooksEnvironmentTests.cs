namespace Introserv.Notifications.Tests;

// webhooks-dev shows every delivery it received, payloads included, to whoever opens it.
public sealed class DevWebhooksEnvironmentTests()
    : DevelopmentToolEnvironmentTests("Introserv.Notifications.DevWebhooks");

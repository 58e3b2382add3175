namespace Introserv.Verification.Tests;

// telephony-dev shows verification codes to whoever opens it.
public sealed class DevGatewayEnvironmentTests()
    : DevelopmentToolEnvironmentTests("Introserv.Verification.DevGateway");

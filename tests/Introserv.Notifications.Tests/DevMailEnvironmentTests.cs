namespace Introserv.Notifications.Tests;

// mail-dev shows every mail, sign-in links included, to whoever opens it.
public sealed class DevMailEnvironmentTests() : DevelopmentToolEnvironmentTests("Introserv.Notifications.DevMail");
